"""Who sees what the bot answers, and whose modal a view is: no bot needed."""

from __future__ import annotations

import urllib.request
from typing import Any

from playground import Call, SlackStandIn
from playground.modals import ModalStacks
from playground.replies import Origin, Replies
from playground.state import Workspace


def view_call(method: str, view_id: str, trigger: str | None = None, ok: bool = True) -> Call:
    args: dict[str, Any] = {"trigger_id": trigger} if trigger else {"view_id": view_id}
    response = {"ok": ok, "view": {"id": view_id}} if ok else {"ok": False, "error": "expired_trigger_id"}
    return Call(method, args, "xoxb-test", 0.0, response, 200)


def workspace() -> Workspace:
    return SlackStandIn(socket_mode=False).workspace


def test_a_modal_opens_for_whoever_the_trigger_was_minted_for() -> None:
    ws = workspace()
    ws.views.update({v: {"id": v, "blocks": []} for v in ("V1", "V2", "V3")})
    modals = ModalStacks(ws)
    modals.own("t-alice", "U0ALICE")
    modals.own("t-bob", "U0BOB")
    modals.own("t-alice-2", "U0ALICE")
    calls = [view_call("views.open", "V1", "t-alice"), view_call("views.open", "V9", "t-bob", ok=False)]
    modals.sync(calls)
    assert modals.top("U0ALICE") == "V1" and modals.top("U0BOB") is None
    calls += [view_call("views.push", "V2", "t-alice-2"), view_call("views.update", "V2")]
    modals.sync(calls)
    snapshot = modals.snapshot("U0ALICE")
    assert snapshot is not None and snapshot["view"]["id"] == "V2" and snapshot["depth"] == 2
    modals.set_errors("V2", {"title": "Give it a title"})
    assert modals.snapshot("U0ALICE") == {
        "view": {"id": "V2", "blocks": []},
        "errors": {"title": "Give it a title"},
        "depth": 2,
    }
    modals.pop("U0ALICE", "V1")  # not the top one: nothing happens
    assert modals.top("U0ALICE") == "V2"
    modals.pop("U0ALICE")
    assert modals.top("U0ALICE") == "V1"
    modals.clear("U0ALICE")
    assert modals.snapshot("U0ALICE") is None


def test_replies_reach_only_the_person_who_acted_in_that_channel() -> None:
    ws = workspace()
    replies = Replies(ws)
    before = ws.changes.version
    replies.deliver(Origin("U0ALICE", "C0INCRESP"), {"response_type": "ephemeral", "text": "only you"})
    replies.deliver(Origin("U0ALICE", "C0INCRESP"), {})  # an empty answer shows nothing
    assert [r["text"] for r in replies.for_user("U0ALICE", "C0INCRESP")] == ["only you"]
    assert replies.for_user("U0BOB", "C0INCRESP") == [] and replies.for_user("U0ALICE", "C0GENERAL") == []
    assert ws.changes.version > before
    replies.deliver(Origin("U0BOB", "C0GENERAL"), {"response_type": "in_channel", "text": "everyone"})
    assert ws.channels["C0GENERAL"].messages[-1]["text"] == "everyone"


def test_response_url_posts_land_where_the_button_was() -> None:
    with SlackStandIn(socket_mode=False) as standin:
        ws = standin.workspace
        replies = Replies(ws)
        url = standin.new_response_url()
        replies.expect(url, Origin("U0BOB", "C0INCRESP"))
        other = standin.new_response_url()  # minted for someone else's tool: not ours to show
        for target, body in ((url, b'{"text": "hello bob"}'), (other, b'{"text": "not shown"}')):
            urllib.request.urlopen(urllib.request.Request(target, data=body, method="POST")).read()
        replies.sync(standin.response_posts())
        assert [r["text"] for r in replies.for_user("U0BOB", "C0INCRESP")] == ["hello bob"]
        replies.sync(standin.response_posts())  # applied once
        assert len(replies.for_user("U0BOB", "C0INCRESP")) == 1

        card = replies.for_user("U0BOB", "C0INCRESP")[0]
        on_card = Origin("U0BOB", "C0INCRESP", card["ts"], ephemeral=True)
        replies.deliver(on_card, {"replace_original": True, "text": "replaced"})
        assert [r["text"] for r in replies.for_user("U0BOB", "C0INCRESP")] == ["replaced"]
        replies.deliver(on_card, {"delete_original": True})
        assert replies.for_user("U0BOB", "C0INCRESP") == []
