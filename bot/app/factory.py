"""The one factory: settings and policy in, a wired bot out. Nothing is built at import time."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, SessionTransaction

from bot.clock import Clock, utcnow
from bot.config.policy import Policy
from bot.config.settings import Settings
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import OPEN, Incident
from bot.incidents import work
from bot.integrations.pager.adapter import Pagers
from bot.integrations.pagerduty.adapter import PagerDutyRest
from bot.integrations.pagerduty.client import PagerDuty
from bot.integrations.pagerduty.oncall import OnCallDirectory
from bot.integrations.statuspage.adapter import StatusPages
from bot.integrations.statuspage.client import StatusPage
from bot.integrations.statuspage.components import Components
from bot.integrations.trackers.adapter import Tickets, tracker_client
from bot.integrations.trackers.spec import Tracker
from bot.outbox import upkeep
from bot.outbox.adapters import Registry
from bot.outbox.store import OWED
from bot.rendering import Renderer
from bot.runtime.context import Context
from bot.runtime.in_flight import InFlight
from bot.runtime.metrics import Metrics
from bot.slack.client import make_web_client
from bot.slack.context import SlackContext
from bot.slack.delivery import Deliverer
from bot.slack.gateway import SlackGateway
from bot.slack.people import People
from handlers import register_all
from handlers.guard import own_workspace_only
from schedules.runner import make_scheduler
from schedules.workers import DeliveryWorkers

log = logging.getLogger(__name__)


@dataclass
class BotApp:
    ctx: SlackContext
    bolt: App
    scheduler: BackgroundScheduler
    delivery: DeliveryWorkers
    executor: ThreadPoolExecutor

    def start_scheduler(self) -> None:
        """Start the background work: the scheduler's tick and the delivery workers."""
        self.delivery.start()
        self.scheduler.start()

    def close(self, timeout: float | None = None) -> bool:
        """Stop the tick and the delivery workers, let running work finish (up to ``timeout``
        seconds), release the database.

        Returns False when work was still running at the timeout (a slow Slack call): what was
        committed is kept, and the outbox delivers it after a restart.
        """
        done = threading.Event()
        grace = 10.0 if timeout is None else timeout

        def stop() -> None:
            if self.scheduler.running:
                self.scheduler.shutdown(wait=True)
            finished = self.delivery.stop(grace)
            self.executor.shutdown(wait=True)
            self.ctx.engine.dispose()
            if finished:
                done.set()

        worker = threading.Thread(target=stop, name="shutdown", daemon=True)
        worker.start()
        worker.join(timeout)
        return done.is_set()


def _wake_after_commit(ctx: Context) -> None:
    """A transaction that owed Slack something wakes the delivery workers once it is committed; one
    that scheduled work tells the scheduler when it comes due."""

    def after_commit(session: Session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint released (SQLAlchemy says so too): nothing is committed yet
        if session.info.pop(OWED, False):
            ctx.wake()
        due = session.info.pop(work.SOONEST, None)
        if due is not None:
            ctx.work_due(due)

    def after_rollback(session: Session) -> None:
        session.info.pop(OWED, None)
        session.info.pop(work.SOONEST, None)

    event.listen(ctx.sessions, "after_commit", after_commit)

    def after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
        if not previous.nested:  # (a savepoint rolled back: what the transaction owed before stands)
            after_rollback(session)

    event.listen(ctx.sessions, "after_soft_rollback", after_soft_rollback)


class _QuietAboutOurClient(logging.Filter):
    """Bolt warns that SLACK_BOT_TOKEN "will be unused" when given a client: it is the client's token."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "will be unused" not in record.getMessage()


class _CountedApp(App):
    """Bolt's app, counting the requests in flight (background work gives way to them)."""

    def __init__(self, in_flight: InFlight, metrics: Metrics, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._in_flight, self._metrics = in_flight, metrics

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        kind = _kind(req.body)
        start = time.perf_counter()
        with self._in_flight.request():
            response = super().dispatch(req)
        self._metrics.ack_seconds.labels(kind).observe(time.perf_counter() - start)
        self._metrics.acks.labels(kind).inc()
        return response


KINDS = {
    "block_actions": "action", "view_submission": "view", "view_closed": "view", "event_callback": "event",
    "shortcut": "shortcut", "message_action": "shortcut",
}  # fmt: skip


def _kind(body: dict[str, Any]) -> str:
    """What Slack sent, for the metrics: a command, an action, a view, an event or a shortcut."""
    if "command" in body:
        return "command"
    sent = str(body.get("type") or "")
    return KINDS.get(sent, "other")


def adapters(ctx: SlackContext, tracker: Tracker | None, page: StatusPage | None) -> Registry:
    """Every system this replica delivers effects to: Slack, the pagers, PagerDuty's REST API, the
    policy's tracker, the status page."""
    pagerduty = PagerDutyRest(ctx, pagerduty_client(ctx.settings), ctx.oncall, ctx.people.email_of)
    tickets = Tickets(ctx, tracker, ctx.people.email_of)
    return Registry.of(
        [
            Deliverer(ctx).adapter(), Pagers(ctx).adapter(), pagerduty.adapter(), tickets.adapter(),
            StatusPages(ctx, page).adapter(),
        ]
    )  # fmt: skip


def status_page_client(settings: Settings) -> StatusPage | None:
    """Atlassian Statuspage, when the bot has a key and a page."""
    if not settings.publishes_status_page:
        return None
    return StatusPage(settings.statuspage_api_url, settings.statuspage_page_id, settings.statuspage_api_key)


def _what_the_database_holds(ctx: Context) -> tuple[int, int, float, dict[str, int]]:
    """For a scrape: the outbox backlog and the open incidents by severity."""
    with ctx.sessions() as session:
        backlog = upkeep.backlog(session)
        rows = session.execute(
            select(Incident.severity, func.count(Incident.id))
            .where(Incident.status.in_(OPEN))
            .group_by(Incident.severity)
        ).all()
    age = (ctx.clock() - backlog.oldest).total_seconds() if backlog.oldest else 0.0
    return backlog.pending, backlog.failed, max(age, 0.0), {str(s): int(n) for s, n in rows}


def pagerduty_client(settings: Settings) -> PagerDuty | None:
    """PagerDuty's REST API, when the bot has a key for it."""
    return (
        PagerDuty(settings.pagerduty_api_url, settings.pagerduty_api_token)
        if settings.pagerduty_api_token
        else None
    )


def create_app(settings: Settings, policy: Policy, clock: Clock = utcnow) -> BotApp:
    engine = make_engine(
        settings.database_url,
        timeout=settings.database_timeout,
        # a connection kept for each thread that often needs one (requests, delivery, its claimer,
        # the scheduler and the lease keeper), so none waits for the pool; the after-ack threads open more
        connections=(settings.http_threads + settings.delivery_workers + 3, settings.worker_threads),
    )
    slack = SlackGateway(make_web_client(settings.slack_bot_token, settings.slack_api_url))
    outbound = SlackGateway(make_web_client(settings.slack_bot_token, settings.slack_api_url, retries=False))
    people = People(slack, policy.admins)
    executor = ThreadPoolExecutor(max_workers=settings.worker_threads, thread_name_prefix="after-ack")
    ctx = SlackContext(
        after_ack=executor,
        settings=settings,
        policy=policy,
        engine=engine,
        sessions=make_session_factory(engine),
        slack=slack,
        outbound=outbound,
        render=Renderer(policy.templates_dir),
        clock=clock,
        people=people,
        oncall=OnCallDirectory(pagerduty_client(settings), people.by_email, clock),
    )
    tracker, page = tracker_client(settings, policy), status_page_client(settings)
    ctx.status_page = Components(page) if page else None
    ctx.adapters = adapters(ctx, tracker, page)
    ctx.metrics.watch(lambda: _what_the_database_holds(ctx), lambda: ctx.database.errors)
    delivery = DeliveryWorkers(ctx, settings.delivery_workers)
    ctx.wake = delivery.wake
    _wake_after_commit(ctx)
    logging.getLogger("slack_bolt.App").addFilter(_QuietAboutOurClient())
    bolt = _CountedApp(
        ctx.in_flight,
        ctx.metrics,
        client=slack.client,
        signing_secret=settings.slack_signing_secret or None,
        process_before_response=True,
        listener_executor=executor,
    )

    def with_context(context: BoltContext, next: Any) -> None:
        context["bot"] = ctx
        next()

    bolt.use(with_context)
    log.debug("serving %s", ctx.people.identity.get("team_id"))  # asked once at start, not by a request
    if not settings.slack_app_id:
        try:
            ctx.people.app_id  # noqa: B018 (bots.info, asked once at start)
        except Exception as exc:
            log.warning("could not learn the bot's app id (%s); set SLACK_APP_ID", exc)
    bolt.use(own_workspace_only)
    register_all(bolt)
    scheduler = make_scheduler(ctx, tracker)
    return BotApp(ctx=ctx, bolt=bolt, scheduler=scheduler, delivery=delivery, executor=executor)
