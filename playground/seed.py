"""The default workspace every stand-in starts with."""

from __future__ import annotations

from playground.state import User, Workspace

HUMANS = ("U0ALICE", "U0BOB", "U0CAROL", "U0DAVE")

CHANNEL_IDS = {
    "incident-response": "C0INCRESP",
    "leadership": "C0LEADERS",
    "general": "C0GENERAL",
}

ONCALL_GROUP_ID = "S0ONCALL"


def seed_default(ws: Workspace) -> None:
    """Users, public channels (the bot is in none of them) and one user group."""
    cfg = ws.config
    people = [
        User("U0ALICE", "alice", "Alice Anderson", "alice", tz="America/New_York", email="alice@example.com"),
        User("U0BOB", "bob", "Bob Brown", "bob", tz="Europe/London", email="bob@example.com"),
        User("U0CAROL", "carol", "Carol Chen", "carol", tz="America/Los_Angeles", email="carol@example.com"),
        User("U0DAVE", "dave", "Dave Davis", "dave", tz="Asia/Tokyo", email="dave@example.com"),
        User("U0OTHERBOT", "otherbot", "Other Bot", "Other Bot", is_bot=True, bot_id="B0OTHERBOT"),
        User("U0GONE", "gone", "Gone Person", "gone", deleted=True, email="gone@example.com"),
        User(cfg.bot_user_id, "incident-bot", "Incident Bot", "Incident Bot", is_bot=True, bot_id=cfg.bot_id),
    ]
    for person in people:
        ws.add_user(person)
    ws.add_channel("incident-response", channel_id=CHANNEL_IDS["incident-response"], members=HUMANS)
    ws.add_channel("leadership", channel_id=CHANNEL_IDS["leadership"], members=("U0CAROL", "U0DAVE"))
    ws.add_channel("general", channel_id=CHANNEL_IDS["general"], members=HUMANS)
    ws.add_usergroup("oncall", ("U0ALICE", "U0BOB"), name="On-call", group_id=ONCALL_GROUP_ID)
