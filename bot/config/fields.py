"""Custom incident fields in the policy: what teams record about each incident (platform, services…).

Each field has a key, a label shown in forms and documents, a type, and for the select types the
options to choose from. Values are validated by ``bot.incidents.fields``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from pydantic import model_validator

from bot.config.types import Strict

FieldType = Literal["text", "select", "multi_select", "user"]
SELECT_TYPES = ("select", "multi_select")
MAX_FIELDS = 20
MAX_OPTIONS = 100
OPTION_MAX = 75
LABEL_MAX = 40
_KEY = re.compile(r"^[a-z0-9_]{1,32}$")


class IncidentField(Strict):
    """One custom field. ``options`` only for ``select`` and ``multi_select``."""

    key: str
    label: str
    type: FieldType = "text"
    options: tuple[str, ...] = ()
    required: bool = False
    show_in_announcement: bool = False

    @model_validator(mode="after")
    def _valid(self) -> IncidentField:
        if not _KEY.match(self.key):
            raise ValueError(
                f"field key {self.key!r} is not allowed: "
                "use 1-32 lowercase letters, digits or _ (e.g. platform)"
            )
        label = self.label.strip()
        if not 1 <= len(label) <= LABEL_MAX:
            raise ValueError(
                f"field {self.key!r}: the label must be 1-{LABEL_MAX} characters; it is {len(label)}"
            )
        if label != self.label:
            object.__setattr__(self, "label", label)
        if self.type in SELECT_TYPES:
            self._check_options()
        elif self.options:
            raise ValueError(
                f"field {self.key!r}: options are only for select and multi_select fields, "
                f"not {self.type} (remove options or change the type)"
            )
        return self

    def _check_options(self) -> None:
        options = tuple(o.strip() for o in self.options)
        if not 1 <= len(options) <= MAX_OPTIONS:
            raise ValueError(
                f"field {self.key!r}: a {self.type} field needs 1-{MAX_OPTIONS} options; "
                f"it has {len(options)}"
            )
        for option in options:
            if not 1 <= len(option) <= OPTION_MAX:
                raise ValueError(
                    f"field {self.key!r}: each option is 1-{OPTION_MAX} characters; {option[:80]!r} is not"
                )
        if self.type == "multi_select" and any("," in o for o in options):
            raise ValueError(
                f"field {self.key!r}: multi_select options may not contain commas (they separate choices)"
            )
        folded = [o.casefold() for o in options]
        dupes = sorted({o for o, f in zip(options, folded, strict=True) if folded.count(f) > 1})
        if dupes:
            raise ValueError(f"field {self.key!r}: option {', '.join(dupes)} is listed twice")
        object.__setattr__(self, "options", options)


DEFAULT_FIELDS = (
    IncidentField(key="platform", label="Platform", show_in_announcement=True),
    IncidentField(key="services", label="Services", show_in_announcement=True),
)


def check_fields(fields: Sequence[IncidentField]) -> tuple[IncidentField, ...]:
    """The policy's fields as a whole: at most ``MAX_FIELDS``, each key once."""
    if len(fields) > MAX_FIELDS:
        raise ValueError(f"at most {MAX_FIELDS} fields are allowed; {len(fields)} are defined")
    keys = [f.key for f in fields]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise ValueError(f"field {', '.join(dupes)} is defined twice; each key must be unique")
    return tuple(fields)


def find_field(fields: Sequence[IncidentField], text: str) -> IncidentField | None:
    """The field named by ``text``: its key or its label, ignoring case, spaces, '-' and '_'."""
    wanted = re.sub(r"[\s_-]+", "", text.strip().casefold())
    for field in fields:
        if wanted in (re.sub(r"[\s_-]+", "", field.key), re.sub(r"[\s_-]+", "", field.label.casefold())):
            return field
    return None
