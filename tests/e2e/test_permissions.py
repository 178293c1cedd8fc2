"""Who may change what: the commander and the admins; others are told who may."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.db.models import Incident
from playground.server import SlackStandIn
from tests.e2e.harness import answer, bot_env, start_bot


def severity(database_url: str) -> str:
    engine = create_engine(database_url)
    with Session(engine) as session:
        value = session.scalars(select(Incident.severity)).one()
    engine.dispose()
    return value


def test_severity_is_for_the_commander_and_admins(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text("admins: {users: [U0DAVE]}\n")
    bot = start_bot(tmp_path, bot_env(standin, database_url, INCIDENT_BOT_CONFIG=str(policy)))
    try:
        payload = standin.slash_command_payload(text="declare P3 Slow exports", user_id="U0ALICE")
        bot.sender.command(payload)
        standin.wait_for_response(payload["response_url"], timeout=10)
        engine = create_engine(database_url)
        with Session(engine) as session:
            channel = session.scalars(select(Incident.channel_id)).one() or ""
        engine.dispose()
        # Bob is neither commander nor admin
        refused = standin.slash_command_payload(text="severity P1", user_id="U0BOB", channel_id=channel)
        reply = answer(bot.sender.command(refused))
        assert (
            "Only the Incident Commander (<@U0ALICE>) or an incident admin may change the severity"
            in reply["text"]
        )
        assert severity(database_url) == "P3"
        # Dave is an admin; Alice is the commander
        admin = standin.slash_command_payload(text="severity P2", user_id="U0DAVE", channel_id=channel)
        bot.sender.command(admin)
        standin.wait_for("chat.postMessage", lambda c: "raised the severity from P3 to P2" in c.args["text"])
        commander = standin.slash_command_payload(text="severity P1", user_id="U0ALICE", channel_id=channel)
        bot.sender.command(commander)
        standin.wait_for("chat.postMessage", lambda c: "raised the severity from P2 to P1" in c.args["text"])
        assert severity(database_url) == "P1"
    finally:
        assert bot.stop() == 0
