"""The postmortem in Slack: the Markdown draft uploaded to the incident channel and bookmarked."""

from __future__ import annotations

from bot import postmortem
from bot.context import Context
from bot.db.models import Incident
from bot.incidents import slack_state
from bot.slack.steps import Steps

BOOKMARK = "postmortem_bookmark"


def publish(ctx: Context, incident: Incident) -> Steps:
    steps = Steps(incident.ref)
    if incident.channel_id is None:
        steps.failures.append(("finding the incident channel", "channel_pending"))
        return steps
    channel = incident.channel_id
    with ctx.sessions() as session:
        data = postmortem.document(session, ctx.policy, session.get_one(Incident, incident.id), ctx.clock())
    text = postmortem.markdown(ctx.render, data)
    links: list[str] = []

    def upload() -> None:
        title = f"Postmortem {'draft ' if data['draft'] else ''}{incident.ref}"
        state = "(DRAFT — IN PROGRESS) " if data["draft"] else ""
        comment = f"Postmortem {state}for {incident.ref}, drafted from the timeline."
        link = ctx.slack.upload(channel, f"{incident.ref}-postmortem.md", text, title, comment)
        if link:
            links.append(link)

    if steps.run("uploading the postmortem", upload) and links and incident.message(BOOKMARK) is None:
        steps.run("bookmarking it", lambda: _bookmark(ctx, incident, channel, links[0]))
    return steps


def _bookmark(ctx: Context, incident: Incident, channel: str, link: str) -> None:
    bookmark_id = ctx.slack.bookmark(channel, "Postmortem", link)
    slack_state.record_message(ctx.sessions, incident.id, BOOKMARK, channel, bookmark_id)
