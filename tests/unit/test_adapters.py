"""The seam between the outbox and the systems it delivers to: adapters declare typed kinds, a
replica claims only the kinds it has an adapter for, and each queue retries by its own policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal, get_args, get_origin

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.app.factory import adapters
from bot.config.policy import Policy
from bot.config.settings import Settings
from bot.db.engine import transaction
from bot.db.models import OutboxEffect
from bot.incidents import owed
from bot.integrations.pager.adapter import Pagers
from bot.outbox import store as outbox
from bot.outbox.adapters import Adapter, Effect, Kind, Registry
from bot.outbox.outcome import Done, Outcome
from bot.outbox.retry import RetryPolicy
from bot.rendering import Renderer
from bot.runtime.context import Context
from schedules.delivery import run_one
from schedules.runner import JOB_RETRY
from tests.slack_contexts import slack_context

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


class Ping(Effect):
    KIND: ClassVar[str] = "ping"
    to: str


class Pong(Effect):
    """A kind a newer release added."""

    KIND: ClassVar[str] = "pong"
    to: str
    loud: bool = False


class Recorder:
    """An adapter that records what it was asked to deliver."""

    def __init__(self, *payloads: type[Effect]) -> None:
        self.delivered: list[Effect] = []
        kinds = tuple(Kind(p, self.deliver, lambda e: f"say {e.KIND}") for p in payloads)
        self.adapter = Adapter("test", "the test", kinds, RetryPolicy(longest=5))

    def deliver(self, claimed: outbox.Claimed, payload: Effect) -> Outcome:
        self.delivered.append(payload)
        return Done({"ok": True})


def context(engine: Engine, sessions: sessionmaker[Session], registry: Registry, **settings: Any) -> Context:
    return Context(
        settings=Settings(**settings),
        policy=Policy(),
        engine=engine,
        sessions=sessions,
        render=Renderer(),
        clock=lambda: NOW,
        adapters=registry,
    )


def owe(sessions: sessionmaker[Session], key: str, effect: Effect, lane: str = "lane:a") -> None:
    with transaction(sessions) as session:
        outbox.owe(session, key=key, kind=effect.KIND, lane=lane, now=NOW, payload=effect.model_dump())


def row(sessions: sessionmaker[Session], key: str) -> OutboxEffect:
    with sessions() as session:
        return session.scalars(select(OutboxEffect).where(OutboxEffect.key == key)).one()


def test_the_registry_knows_each_kind_once_and_what_it_is() -> None:
    first = Recorder(Ping).adapter
    paced = Adapter(
        "paced", "paced", (Kind(Pong, lambda c, p: Done(), str, paced=True, creates=True),), RetryPolicy(1)
    )
    registry = Registry.of([first, paced])
    assert registry.kinds == {"ping", "pong"}
    assert registry.paced == {"pong"} and registry.creating == {"pong"}
    found = registry.find("pong")
    assert found is not None and found[0] is paced
    assert registry.find("page") is None
    with pytest.raises(ValueError, match="two adapters deliver 'ping'"):
        Registry.of([first, Recorder(Ping).adapter])


def test_the_app_registers_slack_and_the_pagers_for_every_kind_the_domain_owes(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    ctx = slack_context(engine, sessions, NOW, Settings(slack_retry_after=7, integrations_retry_after=11))
    registry = adapters(ctx, None, None)
    assert registry.kinds == set(owed.KINDS)
    assert registry.paced == {"post", "file", "alert"}
    assert registry.creating == {
        "post",
        "file",
        "create_channel",
        "bookmark",
        "alert",
        "ticket",
        "statuspage",
    }
    # one retry policy per queue, each from its own setting
    by_system = {a.system: a.retry for a in registry.adapters}
    assert by_system["Slack"].longest == 7 and by_system["Slack"].report_after == 5
    assert by_system["the pager"].longest == 11 and by_system["the pager"].report_after == 1
    assert by_system["PagerDuty"].longest == 11


def test_retry_policies_double_up_to_their_longest() -> None:
    slack = RetryPolicy(longest=60)
    assert [slack.delay(n).total_seconds() for n in (1, 2, 3, 7, 20)] == [1, 2, 4, 60, 60]
    # the scheduler's jobs: a minute first, hourly at most (not the Slack setting's meaning)
    assert [JOB_RETRY.delay(n).total_seconds() for n in (1, 2, 10)] == [60, 120, 3600]


@pytest.mark.parametrize("kind", sorted(owed.KINDS))
def test_every_payload_model_round_trips_through_the_outbox_json(kind: str) -> None:
    model = owed.KINDS[kind]
    values: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if field.is_required():
            literal = get_args(field.annotation) if get_origin(field.annotation) is Literal else ()
            values[name] = literal[-1] if literal else 7 if field.annotation is int else f"{name}-value"
    effect = model(**values)
    assert kind == effect.KIND
    assert model.model_validate(effect.model_dump(mode="json")) == effect
    # a field added by a newer release is ignored, not an error
    assert model.model_validate({**effect.model_dump(), "added_later": 1}) == effect


def test_a_kind_this_replica_does_not_know_is_not_claimed(sessions: sessionmaker[Session]) -> None:
    owe(sessions, "new", Pong(to="x"))
    owe(sessions, "after-it", Ping(to="x"))  # same lane: waits behind it
    owe(sessions, "elsewhere", Ping(to="y"), lane="lane:b")
    known = Registry.of([Recorder(Ping).adapter]).known()
    claimed = outbox.claim(sessions, NOW, LEASE, known)
    assert claimed is not None and claimed.key == "elsewhere"
    assert outbox.claim(sessions, NOW, LEASE, known) is None
    outbox.delivered(sessions, claimed, NOW, {}, timedelta(0))
    assert outbox.next_ready_at(sessions, NOW, known) is None  # nothing left this replica can do
    untouched = row(sessions, "new")
    assert (untouched.state, untouched.attempts, untouched.claimed_until) == ("pending", 0, None)


def test_a_rolling_deploy_leaves_a_new_kind_for_the_replica_that_knows_it(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    old, new = Recorder(Ping), Recorder(Ping, Pong)
    owe(sessions, "new-kind", Pong(to="x", loud=True))
    owe(sessions, "behind-it", Ping(to="x"))
    old_replica = context(engine, sessions, Registry.of([old.adapter]))
    assert outbox.claim(sessions, NOW, LEASE, old_replica.adapters.known()) is None
    assert row(sessions, "new-kind").attempts == 0 and old.delivered == []

    new_replica = context(engine, sessions, Registry.of([new.adapter]))
    for _ in range(2):
        claimed = outbox.claim(sessions, NOW, LEASE, new_replica.adapters.known())
        assert claimed is not None
        run_one(new_replica, claimed)
    assert new.delivered == [Pong(to="x", loud=True), Ping(to="x")]  # in order, each once
    assert row(sessions, "new-kind").state == "delivered" and row(sessions, "new-kind").attempts == 1
    assert outbox.claim(sessions, NOW, LEASE, new_replica.adapters.known()) is None


def test_a_pager_adapter_without_the_target_skips_rather_than_fails(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    """A page owed for a target the policy no longer has is done with, not retried forever."""
    registry = Registry(())
    ctx = context(engine, sessions, registry)
    pagers = Pagers(ctx)
    claimed = outbox.Claimed(
        id=1, key="INC-2026-0001/e1/page:gone:trigger:pagerduty", kind="pagerduty", lane="pagerduty:gone",
        incident_id=None, payload={}, actor=None, created_at=NOW, attempts=1, in_doubt=False, version=0,
        token="t",
    )  # fmt: skip
    outcome = pagers.pagerduty(claimed, owed.PagerDutyEvent(target="gone", action="trigger"))
    assert outcome == Done({"skipped": "the incident is gone"})
