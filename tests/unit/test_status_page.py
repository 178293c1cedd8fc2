"""Publishing on the status page: who may, what is checked, one publication per submission, and the
adapter's pieces (the ref in the name, the component list kept for a minute, the pacing)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config.policy import Policy
from bot.db.models import Incident, OutboxEffect
from bot.errors import InputError, Refusal
from bot.incidents import declare as declaring
from bot.incidents import roles, status_page
from bot.insights import postmortem
from bot.integrations import http
from bot.integrations.statuspage.adapter import fields, names, public_name
from bot.integrations.statuspage.client import Component, Pacer
from bot.integrations.statuspage.components import Components
from bot.rendering import Renderer
from bot.slack.refusals import word

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
POLICY = Policy()
GOOD = status_page.Publication("Checkout errors", "investigating", "We are looking.", {"c1": "major_outage"})


def new_incident(sessions: sessionmaker[Session], private: bool = False) -> Incident:
    declaration = declaring.validate(
        POLICY, title="t", severity="P1", declared_by="U0DEC", commander="U0IC", is_private=private
    )
    return declaring.declare(sessions, POLICY, declaration, NOW)[0]


def owed(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(OutboxEffect.kind).where(OutboxEffect.kind == "statuspage")))


def test_the_commander_and_the_comms_lead_publish_others_are_refused(sessions: sessionmaker[Session]) -> None:
    incident = new_incident(sessions)
    roles.assign(sessions, POLICY, incident.id, "comms_lead", "U0COMMS", "U0COMMS", NOW)
    roles.assign(sessions, POLICY, incident.id, "scribe", "U0SCRIBE", "U0SCRIBE", NOW)
    with pytest.raises(Refusal) as refused:
        status_page.publish(sessions, POLICY, incident.id, "U0SCRIBE", NOW, GOOD)
    assert "Only the Incident Commander or the Comms Lead (<@U0IC> or <@U0COMMS>)" in word(refused.value)
    status_page.publish(sessions, POLICY, incident.id, "U0COMMS", NOW, GOOD, source_key="view:V1")
    assert (
        status_page.publish(sessions, POLICY, incident.id, "U0COMMS", NOW, GOOD, source_key="view:V1") is None
    )
    status_page.publish(sessions, POLICY, incident.id, "U0IC", NOW, GOOD)
    status_page.publish(sessions, POLICY, incident.id, "U0ADMIN", NOW, GOOD, is_admin=True)
    assert owed(sessions) == ["statuspage"] * 3  # the double submit published once
    with sessions() as session:
        assert [e.actor for e in status_page.publications(session, incident.id)] == [
            "U0COMMS",
            "U0IC",
            "U0ADMIN",
        ]
        stored = session.get_one(Incident, incident.id)
        document = postmortem.markdown(Renderer(), postmortem.document(session, POLICY, stored, NOW))
    listed = document.partition("## Status Page")[2]
    assert listed.count("(investigating, published by") == 3 and "We are looking." in listed


def test_a_private_incident_is_never_published_not_even_by_an_admin(sessions: sessionmaker[Session]) -> None:
    incident = new_incident(sessions, private=True)
    with pytest.raises(Refusal) as refused:
        status_page.publish(sessions, POLICY, incident.id, "U0IC", NOW, GOOD, is_admin=True)
    assert "never published on the status page" in word(refused.value)
    assert owed(sessions) == []


def test_what_a_publication_may_hold() -> None:
    with pytest.raises(InputError) as bad:
        status_page.validate(" ", "fixed", "x" * (status_page.BODY_MAX + 1), {"c1": "on fire"})
    assert set(bad.value.fields) == {"name", "status", "body", "component:c1"}
    assert "investigating, identified, monitoring, resolved" in bad.value.fields["status"]
    resolved = status_page.validate("Checkout\u202e errors", "resolved", "Fixed.\x07", {"c1": "major_outage"})
    assert resolved.components == {"c1": "operational"}  # resolving sets the components back
    assert resolved.name == "Checkout errors" and resolved.body == "Fixed."


def test_the_ref_is_in_the_public_name_and_found_exactly() -> None:
    assert public_name("Checkout errors", "INC-1") == "Checkout errors (INC-1)"
    assert public_name("INC-1: Checkout errors", "INC-1") == "INC-1: Checkout errors"
    assert names("Search slow (INC-12)", "INC-12") and not names("Search slow (INC-12)", "INC-1")
    assert not names("Search slow (INC-1-2)", "INC-1")


def test_what_is_sent_leaves_components_alone_when_none_were_listed() -> None:
    sent = fields(GOOD, "INC-1")
    assert sent["components"] == {"c1": "major_outage"} and sent["component_ids"] == ["c1"]
    plain = fields(status_page.Publication("n", "monitoring", "b", {}), "INC-1")
    assert "components" not in plain and "component_ids" not in plain
    resolved = fields(status_page.Publication("n", "resolved", "b", {"c1": "operational"}), "INC-1")
    assert resolved["component_ids"] == ["c1"]  # listed, so it is set back to operational


class FakePage:
    def __init__(self) -> None:
        self.reads = 0
        self.fail = False

    def components(self, timeout: float = 10, longest: float | None = None) -> list[Component]:
        self.reads += 1
        if self.fail:
            raise http.Refused("down", in_doubt=True)
        return [Component(f"c{self.reads}", "API", "operational")]


def test_the_component_list_is_read_at_most_once_a_minute() -> None:
    now = [0.0]
    page = FakePage()
    cache = Components(page, clock=lambda: now[0])  # type: ignore[arg-type]
    assert [c.id for c in cache.listed() or []] == ["c1"]
    now[0] = 59
    assert [c.id for c in cache.listed() or []] == ["c1"] and page.reads == 1
    page.fail = True
    now[0] = 61
    assert [c.id for c in cache.listed() or []] == ["c1"]  # the last list while a fresh one is read
    for _ in range(100):
        if page.reads == 2:
            break
        time.sleep(0.01)
    assert page.reads == 2
    assert [c.id for c in cache.listed() or []] == ["c1"] and page.reads == 2  # not again right away


def test_never_listed_and_unreachable_is_none() -> None:
    page = FakePage()
    page.fail = True
    assert Components(page).listed() is None  # type: ignore[arg-type]


def test_the_pacer_keeps_one_request_a_second() -> None:
    now = [10.0]
    slept: list[float] = []
    pacer = Pacer(gap=1.0, clock=lambda: now[0], sleep=slept.append)
    pacer.wait()
    pacer.wait()
    pacer.wait()
    assert slept == [1.0, 2.0]  # the second waits a second, the third two
    now[0] = 20.0
    pacer.wait()
    assert slept == [1.0, 2.0]  # long after: at once


def test_a_pacer_turn_too_far_away_is_refused_not_waited_for() -> None:
    now = [0.0]
    slept: list[float] = []
    pacer = Pacer(gap=1.0, clock=lambda: now[0], sleep=slept.append)
    assert pacer.wait()  # taken: the next turn is a second away
    assert not pacer.wait(longest=0.3) and slept == []  # a form does not wait for it
    assert pacer.wait(longest=1.0) and slept == [1.0]


def test_the_publication_sets_only_what_was_changed_or_this_incident_set() -> None:
    from handlers.status_page import components

    def view(shown: dict[str, str], chosen: dict[str, str]) -> dict[str, object]:
        blocks = [
            {"block_id": f"component:{c}", "element": {"initial_option": {"value": v}}}
            for c, v in shown.items()
        ]
        values = {f"component:{c}": {"value": {"selected_option": {"value": v}}} for c, v in chosen.items()}
        return {"blocks": blocks, "state": {"values": values}}

    first = view(
        {"api": "operational", "db": "partial_outage"}, {"api": "major_outage", "db": "partial_outage"}
    )
    assert components(first, None) == {"api": "major_outage"}  # db is another incident's: left alone
    last = status_page.Publication("n", "identified", "b", {"api": "major_outage"})
    resolving = view(
        {"api": "operational", "db": "partial_outage"}, {"api": "operational", "db": "partial_outage"}
    )
    assert components(resolving, last) == {"api": "operational"}  # set back, by this incident
    assert components({"blocks": [], "state": {"values": {}}}, last) == {"api": "major_outage"}  # unread
