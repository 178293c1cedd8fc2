"""Custom field values (platform, services, …): checked by the field's type, changed with a
timeline event in the same transaction.

Values are stored in ``Incident.fields``: text for ``text``, ``select`` and ``user`` fields (a user
id such as U012AB3CD: the caller decodes Slack's mention syntax first), a list of options for
``multi_select``. An empty value clears the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.config.fields import IncidentField
from bot.config.policy import Policy
from bot.db.engine import transaction
from bot.db.models import Incident
from bot.errors import InputError
from bot.incidents import effects, queries, timeline
from bot.text import clean_line

TEXT_MAX = 200
FieldValue = str | list[str]
Raw = str | Sequence[str] | None
_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")


@dataclass(frozen=True)
class FieldChange:
    incident: Incident
    field: IncidentField
    value: FieldValue | None  # None: cleared
    previous: FieldValue | None


def _choices(field: IncidentField) -> str:
    shown = ", ".join(field.options[:15])
    return shown + (f" and {len(field.options) - 15} more" if len(field.options) > 15 else "")


def _option(field: IncidentField, text: str) -> str | None:
    wanted = text.casefold()
    return next((o for o in field.options if o.casefold() == wanted), None)


def parse_value(field: IncidentField, raw: Raw) -> FieldValue | None:
    """The value ``raw`` gives ``field``, cleaned and canonical; None when empty (clears it).

    Raises InputError keyed by the field's key, saying what was wrong and what is allowed.
    """
    if raw is None:
        return None
    if field.type == "multi_select":
        parts = raw.split(",") if isinstance(raw, str) else list(raw)
        chosen: list[str] = []
        unknown: list[str] = []
        for part in (clean_line(p) for p in parts):
            option = _option(field, part) if part else None
            if part and option is None:
                unknown.append(part)
            elif option is not None and option not in chosen:
                chosen.append(option)
        if unknown:
            raise InputError(
                {
                    field.key: f"{field.label}: {', '.join(unknown)} is not an option; "
                    f"choose from {_choices(field)}."
                }
            )
        return chosen or None
    text = clean_line(raw if isinstance(raw, str) else ", ".join(raw))
    if not text:
        return None
    if field.type == "select":
        option = _option(field, text)
        if option is None:
            raise InputError(
                {field.key: f"{field.label}: {text} is not an option; choose one of {_choices(field)}."}
            )
        return option
    if field.type == "user":
        if not _USER.match(text):
            raise InputError(
                {field.key: f"{field.label} takes a person: {text} is not a user id (like U012AB3CD)."}
            )
        return text
    if len(text) > TEXT_MAX:
        raise InputError(
            {field.key: f"{field.label} is {len(text)} characters; at most {TEXT_MAX} are allowed."}
        )
    return text


def validate_values(policy: Policy, raw: Mapping[str, Raw]) -> dict[str, FieldValue]:
    """Check the values of a declare form: every key a field, every value allowed, required ones given.

    Returns the non-empty values by key; raises InputError naming each bad field.
    """
    errors: dict[str, str] = {}
    values: dict[str, FieldValue] = {}
    known = {f.key: f for f in policy.fields}
    for key in raw:
        if key not in known:
            errors[key] = f"{key} is not an incident field; the fields are {field_names(policy)}."
    for field in policy.fields:
        try:
            value = parse_value(field, raw.get(field.key))
        except InputError as exc:
            errors.update(exc.fields)
            continue
        if value is not None:
            values[field.key] = value
        elif field.required:
            errors[field.key] = f"{field.label} is required."
    if errors:
        raise InputError(errors)
    return values


def field_names(policy: Policy) -> str:
    return ", ".join(f"{f.key} ({f.label})" for f in policy.fields) or "none: the policy defines no fields"


def find(policy: Policy, text: str) -> IncidentField:
    """The field named by ``text`` (key or label, any case); InputError lists the fields otherwise."""
    field = policy.find_field(text)
    if field is None:
        raise InputError(
            {
                "field": f"{clean_line(text) or 'Nothing'} is not an incident field; "
                f"the fields are {field_names(policy)}."
            }
        )
    return field


def display(value: Any) -> str:
    """A stored value as plain text: options joined with commas."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def values_of(
    policy: Policy, incident: Incident, *, announced_only: bool = False
) -> list[tuple[IncidentField, FieldValue]]:
    """The incident's set fields in the policy's order (only those shown in the announcement if asked)."""
    stored = incident.fields or {}
    return [
        (f, stored[f.key])
        for f in policy.fields
        if stored.get(f.key) not in (None, "", []) and (f.show_in_announcement or not announced_only)
    ]


def set_field(
    sessions: sessionmaker[Session],
    policy: Policy,
    incident_id: int,
    field_text: str,
    raw: Raw,
    actor: str,
    now: datetime,
) -> FieldChange | None:
    """Set (or, with an empty value, clear) one field; None when it already had that value."""
    field = find(policy, field_text)
    value = parse_value(field, raw)
    if value is None and field.required:
        raise InputError({field.key: f"{field.label} is required: give it a value, it cannot be cleared."})
    with transaction(sessions) as session:
        incident = queries.lock(session, incident_id)
        stored = dict(incident.fields or {})
        previous = stored.get(field.key)
        if previous == value:
            return None
        if value is None:
            stored.pop(field.key, None)
        else:
            stored[field.key] = value
        incident.fields = stored  # a new dict: JSON columns do not track changes inside one
        event = timeline.record(
            session, incident, "field_set", now, actor, key=field.key, value=value, previous=previous
        )
        effects.change(session, policy, incident, event, now)
    with sessions() as session:
        return FieldChange(session.get_one(Incident, incident_id), field, value, previous)
