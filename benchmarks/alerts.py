"""Alerts in, measured against the real bot and the stand-ins (Slack answering in 50-300 ms).

Run: .venv/bin/python benchmarks/alerts.py [ALERTS] [STORM_WEBHOOKS] [STORM_SECONDS] [KEYS]

1. Alert → post in #ops-alerts: from the webhook's 202 to the post reaching Slack (goal p99 < 2 s),
   one alert every 1.5 s (Slack takes about one post a second per channel).
2. Alert → declared incident channel (a rule declaring high-urgency PagerDuty incidents): from the
   202 to the incident's channel existing (goal p99 < 3 s).
3. A flapping storm: STORM_WEBHOOKS webhooks in STORM_SECONDS over KEYS dedup keys (default 1,000 in
   60 s over 50): every webhook answered 2xx (goal p99 < 1 s), exactly KEYS posts, each edited to its
   count.
The floor, in the same run: the same endpoint answering a wrong token (401: checked, nothing
stored), and one chat.postMessage to the stand-in.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from common import SLACK_LATENCY, machine, percentile
from sqlalchemy import select

from bot.db.models import Alert
from playground.pagerduty import incident_event, sign
from playground.server import SlackStandIn
from tests.e2e.db import read, wait_settled
from tests.e2e.harness import RunningBot, bot_env, start_bot

TOKEN, SECRET = "bench-token", "bench-secret"
# Seconds between the alerts of part 1: slower than Slack's one post a second per channel, which
# every alert in #ops-alerts shares (faster, and the channel's queue is what is measured).
GAP = 1.5
POLICY = """
alerts:
  rules:
    - match: {source: pagerduty, urgency: high}
      action: declare
      severity: P1
"""


def post(bot: RunningBot, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, float]:
    request = urllib.request.Request(f"{bot.url}{path}", data=body, headers=headers, method="POST")
    request.add_header("Content-Type", "application/json")
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            reply.read()
            status = reply.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.perf_counter() - start


def generic(key: str, title: str, event: str) -> bytes:
    return json.dumps({"title": title, "status": "firing", "dedup_key": key, "event_id": event}).encode()


def stats(values: list[float]) -> str:
    return f"p50 {percentile(values, 50) * 1000:.0f} ms, p99 {percentile(values, 99) * 1000:.0f} ms"


def main() -> None:
    alerts = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    storm = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 60
    keys = int(sys.argv[4]) if len(sys.argv) > 4 else 50
    tmp = Path(tempfile.mkdtemp())
    (tmp / "policy.yml").write_text(POLICY)
    url = f"sqlite:///{tmp / 'bench.db'}"
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    print(machine())
    with SlackStandIn() as standin:
        standin.add_channel("ops-alerts", bot_member=True)
        standin.set_latency(*SLACK_LATENCY)
        env = bot_env(
            standin, url, LOG_LEVEL="WARNING", INCIDENT_BOT_CONFIG=str(tmp / "policy.yml"),
            ALERTS_TOKEN=TOKEN, PAGERDUTY_WEBHOOK_SECRET=SECRET, SLACK_CHANNEL_PACE="1",
        )  # fmt: skip
        bot = start_bot(tmp, env)
        try:
            refused = {"Authorization": "Bearer wrong"}
            floor = [post(bot, "/alerts/generic", generic("f", "floor", "f"), refused)[1] for _ in range(200)]

            # 1. alert → post
            sent: dict[str, float] = {}
            for n in range(alerts):
                key = f"post-{n}"
                status, _ = post(bot, "/alerts/generic", generic(key, f"Alert {n}", key), bearer)
                assert status == 202, status
                sent[key] = time.time()
                time.sleep(GAP)
            wait_settled(url, timeout=120)
            posted: dict[str, float] = {}
            for call in standin.calls("chat.postMessage"):
                found = re.search(r"Alert (\d+) \(", call.args.get("text", "")) if call.ok else None
                if found and call.args.get("channel") == "ops-alerts":
                    posted.setdefault(f"post-{found.group(1)}", call.at)
            to_post = [posted[key] - at for key, at in sent.items()]

            # 2. alert → declared incident channel
            declared: list[float] = []
            for n in range(alerts // 4 or 1):
                event = incident_event("incident.triggered", f"PB{n}", f"Outage {n}", urgency="high")
                body = json.dumps(event).encode()
                before = len(standin.calls("conversations.create"))
                status, _ = post(
                    bot, "/alerts/pagerduty", body, {"X-PagerDuty-Signature": sign(SECRET, body)}
                )
                assert status == 202, status
                start = time.time()
                while len([c for c in standin.calls("conversations.create") if c.ok]) <= before:
                    time.sleep(0.01)
                declared.append(time.time() - start)
                time.sleep(0.5)

            # 3. a flapping storm
            answers: list[float] = []
            codes: list[int] = []
            lock = threading.Lock()
            gap = seconds / storm

            def fire(n: int) -> None:
                key = f"flap-{n % keys}"
                body = generic(key, f"Flapping {n % keys}", f"s{n}")
                status, elapsed = post(bot, "/alerts/generic", body, bearer)
                with lock:
                    answers.append(elapsed)
                    codes.append(status)

            threads = []
            began = time.perf_counter()
            for n in range(storm):
                thread = threading.Thread(target=fire, args=(n,))
                thread.start()
                threads.append(thread)
                time.sleep(max(0.0, began + (n + 1) * gap - time.perf_counter()))
            for thread in threads:
                thread.join()
            wait_settled(url, timeout=300)
            flaps = read(url, lambda s: list(s.scalars(select(Alert).where(Alert.key.like("flap-%")))))
            flap_posts = [
                c for c in standin.calls("chat.postMessage") if c.ok and "Flapping" in c.args.get("text", "")
            ]
            counts_right = all(
                a.fired == len([n for n in range(storm) if f"flap-{n % keys}" == a.key]) for a in flaps
            )
            # what each post shows at the end: the post, or its last edit
            last_shown: dict[str, str] = {}
            for c in flap_posts:
                last_shown[str(c.response["ts"])] = json.dumps(c.args.get("blocks"))
            edits = [c for c in standin.calls("chat.update") if c.ok and "Flapping" in c.args.get("text", "")]
            for c in edits:
                last_shown[str(c.args["ts"])] = json.dumps(c.args.get("blocks"))
            fired = {a.title: a.fired for a in flaps}
            shown_right = sum(
                1
                for shown in last_shown.values()
                if (title := re.search(r"Flapping \d+", shown))
                and f"fired {fired.get(title.group(0))} times" in shown
            )
        finally:
            bot.stop()
    print(f"| floor: a refused webhook (401, nothing stored) | {stats(floor)} |")
    print(f"| 1. alert → post in #ops-alerts ({alerts}) | {stats(to_post)} |")
    print(f"| 2. alert → declared incident's channel ({len(declared)}) | {stats(declared)} |")
    print(
        f"| 3. storm: {storm} webhooks in {seconds:.0f} s over {keys} keys, answered | {stats(answers)}; "
        f"2xx: {sum(1 for c in codes if 200 <= c < 300)}/{storm} |"
    )
    print(
        f"| 3. storm: posts | {len(flap_posts)} (goal {keys}); counts right: {counts_right}; "
        f"posts showing their final count: {shown_right}/{len(last_shown)} ({len(edits)} edits) |"
    )


if __name__ == "__main__":
    main()
