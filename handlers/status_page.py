"""The status page: the draft's **Review and publish** button opens the publish form for the
commander or the Comms Lead (never for a private incident or a drill), and its submission is
committed as a publication the status page adapter makes public."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.errors import Refusal
from bot.incidents import status_page
from bot.rendering import Message
from handlers import forms
from handlers.common import (
    REFUSED,
    allowed_incident,
    bot,
    button,
    is_admin,
    notice,
    number,
    opened_form,
    refusal_notice,
    save_form,
    then,
    user_of,
)

PREFIX = "component:"


def open_form(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ctx = bot(context)
    user = user_of(body)

    def save() -> Message | None:
        if not ctx.settings.publishes_status_page:
            return notice(ctx, "The status page is not set up: STATUSPAGE_API_KEY and STATUSPAGE_PAGE_ID.")
        incident = allowed_incident(ctx, number(body["actions"][0]["value"]), user)
        try:
            status_page.check(ctx.policy, incident, user, is_admin(ctx, user))
        except Refusal as refusal:
            return refusal_notice(ctx, refusal)
        then(context, form="statuspage", incident_id=incident.id, reply_url=body.get("response_url"))
        return None

    button(ctx, ack, context, save)


def components(view: dict[str, Any], last: status_page.Publication | None) -> dict[str, str]:
    """The components this publication sets: those the person changed from what the form showed,
    and those this incident set before (so that resolving sets them back); the others are left as
    the page has them. Without a component list (the page did not answer), those this incident set."""
    values = view.get("state", {}).get("values", {})
    shown = {
        str(b.get("block_id")).removeprefix(PREFIX): (
            (b.get("element") or {}).get("initial_option") or {}
        ).get("value")
        for b in view.get("blocks") or []
        if str(b.get("block_id") or "").startswith(PREFIX)
    }
    before = last.components if last else {}
    if not shown:
        return dict(before)
    chosen = {
        block.removeprefix(PREFIX): forms.selected(view, block)
        for block in values
        if isinstance(block, str) and block.startswith(PREFIX)
    }
    return {c: impact for c, impact in chosen.items() if impact != shown.get(c) or c in before}


def submit(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ctx = bot(context)
    view, user = body["view"], user_of(body)

    def save() -> object:
        incident_id = number(opened_form(ctx, body, "statuspage").get("incident_id"))
        incident = allowed_incident(ctx, incident_id, user)
        with ctx.sessions() as session:
            last = status_page.last(session, incident.id)
        publication = status_page.validate(
            forms.text(view, "name"),
            forms.selected(view, "status"),
            forms.text(view, "body"),
            components(view, last),
        )
        return status_page.publish(
            ctx.sessions, ctx.policy, incident.id, user, ctx.clock(), publication,
            is_admin=is_admin(ctx, user), source_key=f"view:{view['id']}",
        )  # fmt: skip

    if save_form(ctx, ack, "name", save) is not REFUSED:
        ack()
