"""``incident-bot demo``: the real bot, the local Slack stand-in and a workspace page, on 127.0.0.1.

The bot runs in this process exactly as ``incident-bot run`` would in HTTP mode (same code, same
templates; a throwaway SQLite database unless ``DATABASE_URL`` is set), talking to the stand-in.
Time runs ``speed`` times faster for both, through the bot's injectable clock.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import urllib.request
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, Self

from playground.clock import ScaledClock
from playground.demo_people import PEOPLE, PEOPLE_IDS, add_people
from playground.desk import Desk
from playground.pagerduty import PagerDutyStandIn, incident_event, sign
from playground.sender import SignedSender
from playground.server import SlackStandIn
from playground.statuspage import StatusPageStandIn
from playground.trackers import GitHubStandIn
from playground.webserver import PageServer

log = logging.getLogger(__name__)

DEMO_WEBHOOK_SECRET = "demo-pagerduty-webhook-secret"


@dataclass(frozen=True)
class DemoOptions:
    port: int = 8000
    speed: float = 1.0
    policy: Path | None = None
    scheduler_tick: float = 0.2
    drill: str | None = None  # a drill scenario the on-call person starts as soon as the page is up


class DemoError(Exception):
    """The demo cannot start; the message is one line."""


class Demo:
    """Start with ``with Demo(DemoOptions(...)) as demo:``; open ``demo.url``."""

    def __init__(self, options: DemoOptions) -> None:
        if options.speed <= 0:
            raise DemoError("--speed must be greater than 0 (60: a minute passes in a second)")
        self.options = options
        self.clock = ScaledClock(options.speed)
        self.standin = SlackStandIn("xoxb-demo", socket_mode=False, now=self.clock.timestamp)
        # PagerDuty: who is on call rotates on the demo clock, and alerts can be fired from the page
        self.pagerduty = PagerDutyStandIn(clock=self.clock.timestamp)
        # follow-ups become GitHub issues; the Comms Lead publishes to a status page
        self.github = GitHubStandIn()
        self.status_page = StatusPageStandIn(clock=self.clock.timestamp)
        self._secret = secrets.token_hex(16)
        self._tmp: str | None = None
        self._bot: Any = None
        self._http: Any = None
        self._http_map: dict[int, Any] = {}
        self._http_thread: threading.Thread | None = None
        self._page: PageServer | None = None
        self.desk: Desk | None = None
        self.database_url = ""

    @property
    def url(self) -> str:
        if self._page is None:
            raise RuntimeError("the demo is not running")
        return self._page.url

    @property
    def bot_url(self) -> str:
        return f"http://127.0.0.1:{self._http.effective_port}" if self._http is not None else ""

    def start(self) -> Self:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        from waitress.server import create_server

        from bot.app.factory import create_app
        from bot.app.server import wsgi_app
        from bot.config.settings import Settings
        from bot.db.migrate import upgrade

        policy = self._policy()
        self.standin.start()
        add_people(self.standin.workspace)
        self.standin.add_channel("ops-alerts", members=PEOPLE_IDS, bot_member=True)
        self.pagerduty.__enter__()
        self.github.__enter__()
        self.github.html_base = self.github.url
        self.status_page.__enter__()
        rotation = [p.id for p in PEOPLE if p.id in ("U0BOB", "U0CAROL")]
        for person in PEOPLE:
            self.pagerduty.add_user(
                person.id, person.real_name, f"{person.real_name.split()[0].lower()}@example.com"
            )
        self.pagerduty.add_schedule(
            "PDEMO01", rotation, shift=30 * 60
        )  # primary on-call: 30 demo minutes each
        database_url = os.environ.get("DATABASE_URL") or ""
        if not database_url:
            self._tmp = tempfile.mkdtemp(prefix="incident-bot-demo-")
            database_url = f"sqlite:///{Path(self._tmp) / 'demo.db'}"
        self.database_url = database_url
        settings = Settings(
            _env_file=None,
            slack_bot_token=self.standin.config.bot_token,
            slack_signing_secret=self._secret,
            slack_app_token=None,
            slack_api_url=self.standin.api_url,
            database_url=database_url,
            scheduler_tick=self.options.scheduler_tick,
            slack_retry_after=5.0,
            slack_channel_pace=0.2,
            incident_bot_config=None,
            pagerduty_webhook_secret=DEMO_WEBHOOK_SECRET,
            pagerduty_api_token=self.pagerduty.token,
            pagerduty_api_url=self.pagerduty.url,
            pagerduty_from="alice@example.com",
            github_token=self.github.auth.removeprefix("Bearer "),
            github_api_url=self.github.url,
            statuspage_api_key=self.status_page.auth.removeprefix("OAuth "),
            statuspage_page_id=self.status_page.page_id,
            statuspage_api_url=self.status_page.url,
        )
        try:
            upgrade(database_url)
        except Exception as exc:
            raise DemoError(f"the database could not be prepared ({type(exc).__name__}: {exc})") from None
        self._bot = create_app(settings, policy, clock=self.clock)
        self._http = create_server(
            wsgi_app(self._bot), map=self._http_map, host="127.0.0.1", port=0, threads=8, ident="incident-bot"
        )
        self._http_thread = threading.Thread(target=self._http.run, name="demo-bot-http", daemon=True)
        self._http_thread.start()
        self._bot.start_scheduler()
        self.desk = Desk(self.standin, SignedSender(self.bot_url, self._secret), self.fire_alert)
        try:
            outside = {
                "status-page": self.status_page.url,
                "tickets": f"{self.github.url}{self.github.repo}/issues",
            }
            drill = self.options.drill
            if drill:
                self._check_drill(drill)
            self._page = PageServer(
                self.standin.workspace, self.desk, port=self.options.port, speed=self.options.speed,
                outside=outside, on_first_visit=(lambda: self._start_drill(drill)) if drill else None,
            )  # fmt: skip
        except OSError as exc:
            raise DemoError(
                f"cannot listen on 127.0.0.1:{self.options.port} ({exc.strerror or exc}); "
                "choose another port with --port"
            ) from None
        self._page.start()

    def _check_drill(self, scenario: str) -> None:
        """A scenario the policy knows; a bad name is one line."""
        from bot.errors import InputError
        from bot.incidents.scenarios import find

        try:
            find(self._policy(), scenario)
        except InputError as error:
            raise DemoError(str(error)) from None

    def _start_drill(self, scenario: str) -> None:
        """Alice, on call, starts the drill in #incident-response when the first person opens the
        page: its clock starts when someone can take part."""
        channel = self.standin.channel("incident-response")
        assert self.desk is not None and channel is not None
        self.desk.command("U0ALICE", channel["id"], f"/incident drill {scenario}")

    def _policy(self) -> Any:
        from bot.config.policy import load_policy

        if self.options.policy is not None:
            return load_policy(self.options.policy)
        with resources.as_file(resources.files("playground").joinpath("demo_policy.yml")) as path:
            return load_policy(path)

    def fire_alert(self, urgency: str = "low") -> str:
        """A test alert, as PagerDuty would send it (signed): it shows in #ops-alerts; a high one is
        declared at once by the demo policy's rule."""
        incident_id = f"PDEMO{secrets.token_hex(3).upper()}"
        title = "Checkout API error rate above 5%" if urgency == "high" else "Disk 91% full on db-2"
        self.pagerduty.add_incident(incident_id, title)
        body = json.dumps(incident_event("incident.triggered", incident_id, title, urgency=urgency)).encode()
        request = urllib.request.Request(
            f"{self.bot_url}/alerts/pagerduty",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-PagerDuty-Signature": sign(DEMO_WEBHOOK_SECRET, body),
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as reply:
            return str(json.loads(reply.read()).get("taken", 0))

    def stop(self) -> None:
        if self._page is not None:
            self._page.stop()
            self._page = None
        if self._http is not None:
            from waitress import wasyncore

            http, mapping = self._http, self._http_map
            http.trigger.pull_trigger(lambda: wasyncore.close_all(mapping))
            if self._http_thread is not None:
                self._http_thread.join(5)
            http.task_dispatcher.shutdown()
            self._http = None
        if self._bot is not None:
            self._bot.close(timeout=5)
            self._bot = None
        self.standin.stop()
        self.pagerduty.__exit__()
        self.github.__exit__()
        self.status_page.__exit__()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def run(options: DemoOptions) -> int:
    """Run until Ctrl-C or SIGTERM; print the page's URL and nothing else."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # a tick skipped at high --speed is fine
    stopping = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        demo = Demo(options).start()
    except Exception as exc:  # one line, never a traceback: the policy, the port, the database
        from bot.config.policy import PolicyError

        known = isinstance(exc, DemoError | PolicyError)
        print(f"incident-bot demo: {exc if known else f'{type(exc).__name__}: {exc}'}", file=sys.stderr)
        return 1
    try:
        speed = f", time runs {options.speed:g}x" if options.speed != 1 else ""
        what = f"Incident drill ({options.drill})" if options.drill else "Incident bot demo"
        print(f"{what}: open {demo.url} (Ctrl-C stops it{speed})", flush=True)
        from sqlalchemy.engine import make_url

        shown = make_url(demo.database_url).render_as_string(hide_password=True)
        print(
            f"Its database: {shown} (DATABASE_URL={shown} incident-bot export INC-… or report reads it)",
            flush=True,
        )
        while not stopping.wait(0.5):
            pass
    finally:
        demo.stop()
    return 0
