"""The one factory: settings and policy in, a wired bot out. Nothing is built at import time."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt import App

from bot.clock import Clock, utcnow
from bot.context import Context
from bot.db.engine import make_engine, make_session_factory
from bot.policy import Policy
from bot.settings import Settings
from bot.slack.client import make_web_client
from bot.slack.gateway import SlackGateway
from bot.slack.people import People
from bot.slack.render import Renderer
from handlers import register_all
from schedules.runner import make_scheduler

log = logging.getLogger(__name__)


@dataclass
class BotApp:
    ctx: Context
    bolt: App
    scheduler: BackgroundScheduler
    executor: ThreadPoolExecutor

    def start_scheduler(self) -> None:
        self.scheduler.start()

    def close(self, timeout: float | None = None) -> bool:
        """Stop the tick, let running work finish (up to ``timeout`` seconds), release the database.

        Returns False when work was still running at the timeout (a Slack call in its retries):
        what it committed is kept, and the scheduler finishes the Slack side after a restart.
        """
        done = threading.Event()

        def stop() -> None:
            if self.scheduler.running:
                self.scheduler.shutdown(wait=True)
            self.executor.shutdown(wait=True)
            self.ctx.engine.dispose()
            done.set()

        worker = threading.Thread(target=stop, name="shutdown", daemon=True)
        worker.start()
        worker.join(timeout)
        return done.is_set()


def create_app(settings: Settings, policy: Policy, clock: Clock = utcnow) -> BotApp:
    engine = make_engine(settings.database_url)
    client = make_web_client(settings.slack_bot_token, settings.slack_api_url)
    slack = SlackGateway(client, pace=settings.slack_channel_pace)
    ctx = Context(
        settings=settings,
        policy=policy,
        engine=engine,
        sessions=make_session_factory(engine),
        slack=slack,
        render=Renderer(policy.templates_dir),
        clock=clock,
        people=People(slack, policy.admins),
    )
    executor = ThreadPoolExecutor(max_workers=settings.worker_threads, thread_name_prefix="slack-work")
    bolt = App(
        client=client,
        signing_secret=settings.slack_signing_secret or None,
        process_before_response=True,
        listener_executor=executor,
    )
    register_all(bolt, ctx)
    return BotApp(ctx=ctx, bolt=bolt, scheduler=make_scheduler(ctx), executor=executor)
