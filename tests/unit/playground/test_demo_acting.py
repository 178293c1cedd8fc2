"""Acting as pretend people, end to end: the real bot in-process (``Demo``) against the stand-in."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from playground.demo import Demo, DemoError, DemoOptions
from playground.desk import Desk
from playground.page_state import page_state
from tests.e2e.harness import state as form
from tests.e2e.harness import until


@pytest.fixture
def demo(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Demo]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    with Demo(DemoOptions(port=0, speed=60)) as running:
        yield running


def desk(demo: Demo) -> Desk:
    assert demo.desk is not None
    return demo.desk


def seen(demo: Demo, user: str, channel: str | None = None) -> dict[str, Any]:
    return page_state(demo.standin.workspace, desk(demo), user, channel)


def texts(messages: list[dict[str, Any]]) -> str:
    return json.dumps([[m.get("text"), m.get("blocks")] for m in messages])


def incident_channel(demo: Demo, user: str = "U0ALICE") -> str:
    found = until(lambda: [c["id"] for c in seen(demo, user)["sidebar"] if c["name"].startswith("inc-")])
    return str(found[0])


def test_declare_take_a_role_and_pin_as_different_people(demo: Demo) -> None:
    acting = desk(demo)
    assert acting.command("U0ALICE", "C0INCRESP", "/incident declare P1 Checkout is down").ok
    alice = until(lambda: (s := seen(demo, "U0ALICE"))["channel"]["ephemerals"] and s)
    assert "Checkout is down" in texts(alice["channel"]["ephemerals"])
    assert seen(demo, "U0BOB")["channel"]["ephemerals"] == []  # only visible to Alice
    announcement = until(lambda: seen(demo, "U0BOB")["channel"]["messages"])[0]
    assert "Checkout is down" in announcement["text"]
    assert json.loads(json.dumps(alice)) == alice  # JSON-ready

    roles = [b for b in announcement["blocks"] if b["type"] == "actions" and "tech_lead" in b["block_id"]]
    button = roles[0]["elements"][0]
    action = {"action_id": button["action_id"], "block_id": roles[0]["block_id"], "value": button["value"]}
    assert acting.press("U0BOB", action, channel="C0INCRESP", message_ts=announcement["ts"]).ok
    until(lambda: "<@U0BOB>" in texts(seen(demo, "U0CAROL")["channel"]["messages"]))
    picker = next(b for b in announcement["blocks"] if b.get("block_id", "").endswith(":comms_lead"))
    assign = {"action_id": picker["accessory"]["action_id"], "block_id": picker["block_id"]}
    assign.update(type="users_select", selected_user="U0DAVE")
    assert acting.press("U0ALICE", assign, channel="C0INCRESP", message_ts=announcement["ts"]).ok
    until(lambda: "*Comms Lead:* <@U0DAVE>" in texts(seen(demo, "U0CAROL")["channel"]["messages"]))
    dm = until(lambda: [c for c in seen(demo, "U0BOB")["sidebar"] if c["kind"] == "im"])
    until(lambda: "You are now Tech Lead" in texts(seen(demo, "U0BOB", dm[0]["id"])["channel"]["messages"]))

    channel = incident_channel(demo)
    assert acting.message("U0CAROL", channel, "Error rate back to normal <3 @bob").ok
    mine = seen(demo, "U0CAROL", channel)["channel"]
    said = next(m for m in mine["messages"] if m.get("user") == "U0CAROL")
    assert said["text"] == "Error rate back to normal &lt;3 <@U0BOB>" and "U0CAROL" in mine["members"]
    assert acting.react("U0CAROL", channel, said["ts"]).ok
    pinned = next(m for m in seen(demo, "U0CAROL", channel)["channel"]["messages"] if m["ts"] == said["ts"])
    assert pinned["reactions"] == [{"name": "pushpin", "users": ["U0CAROL"], "count": 1}]
    time.sleep(1)  # the bot captures it in the background; the shortcut then finds it there
    assert acting.shortcut("U0CAROL", channel, said["ts"]).ok
    replies = until(lambda: seen(demo, "U0CAROL", channel)["channel"]["ephemerals"])
    assert "in the timeline of INC-" in replies[-1]["text"] and "already" in replies[-1]["text"]


def test_a_modal_is_its_owners_keeps_errors_and_closes_when_accepted(demo: Demo) -> None:
    acting = desk(demo)
    assert acting.command("U0DAVE", "C0INCRESP", "/incident declare").ok
    modal = until(lambda: seen(demo, "U0DAVE")["modal"])
    assert modal["view"]["callback_id"] == "declare" and modal["errors"] == {}
    assert seen(demo, "U0ALICE")["modal"] is None
    values = {"title": " ", "severity": ("select", "P2"), "impact": "Slow", "commander": ("checks", ["self"])}
    assert acting.submit("U0DAVE", modal["view"]["id"], form(values)).ok
    refused = seen(demo, "U0DAVE")["modal"]
    assert refused["view"]["id"] == modal["view"]["id"] and "title" in refused["errors"]
    assert acting.submit("U0DAVE", modal["view"]["id"], form({**values, "title": "Search is slow"})).ok
    assert seen(demo, "U0DAVE")["modal"] is None
    until(lambda: "Search is slow" in texts(seen(demo, "U0DAVE")["channel"]["messages"]))
    stale = acting.submit("U0DAVE", modal["view"]["id"], form(values))
    assert not stale.ok and "no longer open" in stale.error

    assert acting.command("U0DAVE", "C0INCRESP", "/incident declare").ok
    second = until(lambda: seen(demo, "U0DAVE")["modal"])
    assert acting.close("U0DAVE", second["view"]["id"]).ok
    assert seen(demo, "U0DAVE")["modal"] is None


def test_unknown_commands_and_people_and_private_channels(demo: Demo) -> None:
    acting = desk(demo)
    assert acting.command("U0ERIN", "C0GENERAL", "/deploy now").ok
    [reply] = seen(demo, "U0ERIN", "C0GENERAL")["channel"]["ephemerals"]
    assert "`/deploy` is not a command here" in reply["text"]
    with pytest.raises(KeyError):
        seen(demo, "UBOT")
    demo.standin.add_channel("secret", is_private=True, members=["U0ERIN"])
    assert "secret" in [c["name"] for c in seen(demo, "U0ERIN")["sidebar"]]
    assert "secret" not in [c["name"] for c in seen(demo, "U0ALICE")["sidebar"]]
    assert seen(demo, "U0ALICE", "secret")["channel"]["name"] == "incident-response"  # not Alice's to read
    assert not acting.message("U0ALICE", "secret", "let me in").ok


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def post(url: str, body: bytes, content_type: str = "application/json") -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_page_server(demo: Demo) -> None:
    status, page = get(demo.url)
    assert status == 200 and b'<script type="module" src="/app.js">' in page
    assert get(demo.url + "mrkdwn.js")[0] == 200
    assert get(demo.url + "../demo.py")[0] == 404 and get(demo.url + "__init__.py")[0] == 404
    status, body = get(demo.url + "api/state?user=U0BOB&channel=C0GENERAL")
    data = json.loads(body)
    assert status == 200 and data["me"] == "U0BOB" and data["channel"]["name"] == "general"
    assert data["speed"] == 60 and len(data["people"]) == 5
    assert get(demo.url + "api/state?user=U0NOBODY")[0] == 404
    act = demo.url + "api/act"
    assert post(act, b'{"kind": "message"}', "text/plain")[0] == 415
    assert post(act, b'{"kind": "dance", "user": "U0BOB"}')[0] == 400
    message = {"kind": "message", "user": "U0BOB", "channel": "C0GENERAL", "text": "hello"}
    assert post(act, json.dumps(message).encode()) == (200, {"ok": True, "error": ""})
    with urllib.request.urlopen(demo.url + "events", timeout=5) as feed:
        assert feed.headers["Content-Type"] == "text/event-stream"
        lines = [feed.readline() for _ in range(3)]
        assert lines[1] == b"event: changed\n"
        post(act, json.dumps({**message, "text": "again"}).encode())
        assert feed.readline() == b"\n" and feed.readline() == b"event: changed\n"


def test_a_port_in_use_is_one_line(demo: Demo) -> None:
    port = int(demo.url.rsplit(":", 1)[1].strip("/"))
    with pytest.raises(DemoError, match=f"cannot listen on 127.0.0.1:{port}.*--port"):
        Demo(DemoOptions(port=port)).start()
    with pytest.raises(DemoError, match="--speed"):
        Demo(DemoOptions(speed=0))


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as reply:  # the page's link redirects to the stand-in
        return str(reply.read().decode())


def test_a_follow_up_becomes_a_ticket_and_the_comms_lead_publishes_the_status_page(demo: Demo) -> None:
    acting = desk(demo)
    assert acting.command("U0ALICE", "C0INCRESP", "/incident declare P1 Checkout is down").ok
    channel = incident_channel(demo)
    until(lambda: seen(demo, "U0ALICE", channel)["channel"]["messages"])  # the bot knows its channel
    assert acting.command("U0ALICE", channel, "/incident action Alert on pool saturation @bob").ok
    tickets = until(
        lambda: "Alert on pool saturation" in (page := fetch(f"{demo.url}outside/tickets")) and page
    )
    assert "open" in tickets

    # Carol takes Comms Lead; her draft's Review and publish opens the form; Publish
    announcement = until(lambda: seen(demo, "U0CAROL", channel)["channel"]["messages"])[0]
    panel = next(
        b for b in announcement["blocks"] if b["type"] == "actions" and "comms_lead" in b["block_id"]
    )
    take = panel["elements"][0]
    press = {"action_id": take["action_id"], "block_id": panel["block_id"], "value": take["value"]}
    assert acting.press("U0CAROL", press, channel=channel, message_ts=announcement["ts"]).ok
    dm = until(lambda: [c for c in seen(demo, "U0CAROL")["sidebar"] if c["kind"] == "im"])[0]["id"]
    draft = until(
        lambda: [
            m for m in seen(demo, "U0CAROL", dm)["channel"]["messages"] if "Status page draft" in m["text"]
        ]
    )[0]
    button = next(b for b in draft["blocks"] if b["type"] == "actions")["elements"][0]
    publish = {"action_id": button["action_id"], "block_id": "statuspage", "value": button["value"]}
    assert acting.press("U0CAROL", publish, channel=dm, message_ts=draft["ts"]).ok
    modal = until(lambda: seen(demo, "U0CAROL")["modal"])
    view = modal.get("view", modal)
    values = form({"name": "Checkout errors", "status": ("select", "investigating"), "body": "We are on it."})
    assert acting.submit("U0CAROL", view["id"], values).ok
    public = until(lambda: "We are on it." in (page := fetch(f"{demo.url}outside/status-page")) and page)
    assert "Checkout errors (INC-" in public


def test_the_postmortem_the_bot_uploads_can_be_read_on_the_page(demo: Demo) -> None:
    acting = desk(demo)
    assert acting.command("U0ALICE", "C0INCRESP", "/incident declare P1 Checkout is down").ok
    channel = incident_channel(demo)
    until(lambda: seen(demo, "U0ALICE", channel)["channel"]["messages"])
    assert acting.command("U0ALICE", channel, "/incident postmortem").ok
    shared = until(
        lambda: [m for m in seen(demo, "U0ALICE", channel)["channel"]["messages"] if m.get("files")]
    )[0]["files"][0]
    assert "Checkout is down" in shared["preview"]  # its first lines, shown under the message
    whole = fetch(f"{demo.url}{shared['open'].lstrip('/')}")
    assert whole.startswith(shared["preview"].splitlines()[0]) and len(whole) > len(shared["preview"])


def test_a_drill_starts_when_the_page_is_first_opened(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    with Demo(DemoOptions(port=0, speed=60, drill="database-connections")) as running:
        time.sleep(1)
        assert not [c for c in running.standin.calls("conversations.create")]  # nobody is looking yet
        fetch(f"{running.url}api/state?user=U0ALICE")
        until(lambda: running.standin.calls("conversations.create"))
        fetch(f"{running.url}api/state?user=U0BOB")
        time.sleep(0.5)
        assert len(running.standin.calls("conversations.create")) == 1  # once, not per visit
