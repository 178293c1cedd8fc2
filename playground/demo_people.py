"""The five pretend people of the demo and what each stands for in the demo policy."""

from __future__ import annotations

from dataclasses import dataclass

from playground.state import User, Workspace


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    real_name: str
    tz: str
    title: str


PEOPLE = (
    Person("U0ALICE", "alice", "Alice Anderson", "America/New_York", "on-call engineer"),
    Person("U0BOB", "bob", "Bob Brown", "Europe/London", "primary on-call"),
    Person("U0CAROL", "carol", "Carol Chen", "America/Los_Angeles", "backup on-call"),
    Person("U0DAVE", "dave", "Dave Davis", "Asia/Tokyo", "engineering lead"),
    Person("U0ERIN", "erin", "Erin Evans", "Europe/Berlin", "CTO, admin"),
)
PEOPLE_IDS = tuple(p.id for p in PEOPLE)


def add_people(ws: Workspace) -> None:
    """Add the people the default seed lacks (Erin) and put everyone in the seeded channels."""
    for person in PEOPLE:
        if person.id not in ws.users:
            first = person.real_name.split()[0].lower()
            email = f"{first}@example.com"
            ws.add_user(
                User(person.id, person.name, person.real_name, person.name, tz=person.tz, email=email)
            )
    with ws.lock:
        for name in ("incident-response", "general"):
            channel = ws.find_channel(name)
            if channel is not None:
                channel.members.extend(p for p in PEOPLE_IDS if p not in channel.members)
        leadership = ws.find_channel("leadership")
        if leadership is not None and "U0ERIN" not in leadership.members:
            leadership.members.append("U0ERIN")
    ws.changes.bump()
