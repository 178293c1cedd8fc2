"""The incident policy: severities, channels, roles, display settings.

Loaded from a YAML file (``INCIDENT_BOT_CONFIG``) and validated by pydantic; every value has a
default taken from the incident-response procedure, so no file at all is a working policy.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from bot.config.alerts import Alerts
from bot.config.escalation import Escalation
from bot.config.fields import DEFAULT_FIELDS, IncidentField, check_fields, find_field
from bot.config.tracker import Tracker
from bot.config.types import (
    KEY,
    NEXT_BUSINESS_DAY,
    Duration,
    OptionalDuration,
    ResponseTarget,
    Strict,
    UserGroupId,
    UserId,
    channel_name,
    zone_name,
)

COMMANDER_ROLE = "ic"
TECH_LEAD_ROLE = "tech_lead"


class Severity(Strict):
    key: str
    label: str = Field(min_length=1, max_length=40)
    description: str = Field(default="", max_length=140)
    response_target: ResponseTarget
    update_cadence: OptionalDuration = None

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not KEY.match(value):
            raise ValueError("a severity key is 1-32 letters, digits, - or _ (e.g. P1)")
        return value.upper()

    @property
    def title(self) -> str:
        return f"{self.key} - {self.label}"


class Role(Strict):
    key: str
    name: str = Field(min_length=1, max_length=40)
    responsibilities: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)
    # How the bot treats the role (see docs/configuration.md):
    leads: bool = False  # one of the people leading the response (the commander, the tech lead)
    apart_from_leading: bool = False  # should be someone not leading (the Scribe): a warning if not
    writes_status_page: bool = False  # gets the status page drafts (else the commander does)
    required: bool = False  # every incident needs it: shown as missing until someone takes it

    @model_validator(mode="after")
    def _apart(self) -> Role:
        if self.leads and self.apart_from_leading:
            raise ValueError(f"role {self.key}: a role cannot both lead and be apart from leading")
        return self

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not KEY.match(value):
            raise ValueError("a role key is 1-32 letters, digits, - or _ (e.g. tech_lead)")
        return value.lower()

    def matches(self, text: str) -> bool:
        """True when ``text`` names this role by key, name or alias, ignoring case, '-', '_' and spaces."""
        wanted = _fold(text)
        return wanted in {_fold(self.key), _fold(self.name), *(_fold(a) for a in self.aliases)}


def _fold(text: str) -> str:
    return re.sub(r"[\s_-]+", "", text.strip().lower())


DEFAULT_SEVERITIES = (
    Severity(
        key="P1",
        label="Critical",
        description="Revenue loss, complete service unavailability, data breach",
        response_target=timedelta(minutes=15),
        update_cadence=timedelta(minutes=15),
    ),
    Severity(
        key="P2",
        label="High",
        description="Degraded service, >10% errors, a significant feature or one AZ down",
        response_target=timedelta(hours=1),
        update_cadence=timedelta(minutes=30),
    ),
    Severity(
        key="P3",
        label="Medium",
        description="Minor degradation, a workaround exists",
        response_target=timedelta(hours=4),
    ),
    Severity(
        key="P4",
        label="Low",
        description="Cosmetic issues, documentation, monitoring gaps",
        response_target=NEXT_BUSINESS_DAY,
    ),
)

DEFAULT_ROLES = (
    Role(
        key=COMMANDER_ROLE,
        name="Incident Commander",
        aliases=["commander", "incident-commander"],
        leads=True,
        required=True,
        responsibilities=[
            "Own the incident response",
            "Make decisions about mitigation strategies",
            "Coordinate team members",
            "Communicate with stakeholders",
            "Update the status page",
            "Make sure the timeline is documented",
        ],
    ),
    Role(
        key=TECH_LEAD_ROLE,
        name="Tech Lead",
        aliases=["tl", "technical-lead"],
        leads=True,
        responsibilities=[
            "Lead the technical investigation",
            "Propose and implement fixes",
            "Coordinate with other engineers",
            "Validate solutions",
        ],
    ),
    Role(
        key="comms_lead",
        name="Comms Lead",
        aliases=["comms", "communications-lead"],
        writes_status_page=True,
        responsibilities=[
            "Manage external communications",
            "Update the status page",
            "Respond to customer inquiries",
            "Coordinate with the support team",
        ],
    ),
    Role(
        key="scribe",
        name="Scribe",
        apart_from_leading=True,
        responsibilities=[
            "Document the incident timeline",
            "Record decisions made",
            "Track action items",
            "Capture logs and evidence (someone not actively troubleshooting)",
        ],
    ),
)


class Admins(Strict):
    """People who may reassign any role (and, later, resolve, close and change severity)."""

    users: tuple[UserId, ...] = ()
    usergroups: tuple[UserGroupId, ...] = ()


Permission = Literal["commander-and-admins", "anyone"]


class Permissions(Strict):
    """Who may do what. ``commander-and-admins``: the incident's commander and the admins (anyone,
    while the incident has no commander); ``anyone``: everyone who can run the command."""

    resolve: Permission = "commander-and-admins"
    close: Permission = "commander-and-admins"
    reopen: Permission = "commander-and-admins"
    severity: Permission = "commander-and-admins"
    reassign_roles: Permission = "commander-and-admins"


class Policy(Strict):
    severities: tuple[Severity, ...] = Field(default=DEFAULT_SEVERITIES, min_length=1)
    announcement_channel: str = "incident-response"
    leadership_channel: str | None = "leadership"
    leadership_severities: tuple[str, ...] = ("P1",)
    channel_prefix: str = "inc"
    updates_in_thread: bool = True
    timeline_emoji: str = Field(default="pushpin", pattern=r"^[a-z0-9_+'-]{1,100}$")
    postmortem_reminder_after: Duration = timedelta(hours=24)
    postmortem_due_within: Duration = timedelta(hours=48)
    roles: tuple[Role, ...] = Field(default=DEFAULT_ROLES, min_length=1, max_length=20)
    admins: Admins = Admins()
    permissions: Permissions = Permissions()
    escalation: Escalation = Escalation()
    fields: tuple[IncidentField, ...] = DEFAULT_FIELDS
    alerts: Alerts = Alerts()
    # A standing conference bridge per severity (Zoom, Meet, Teams): in the announcement, bookmarked
    # in the incident channel, in the commander's DM.
    bridge: dict[str, str] = Field(default_factory=dict)
    tracker: Tracker | None = None
    templates_dir: Path | None = None
    drills_dir: Path | None = None
    timezone: str = "UTC"

    _channel_names = field_validator("announcement_channel", "leadership_channel")(
        classmethod(lambda cls, v: channel_name(v))
    )

    @field_validator("channel_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,19}", value):
            raise ValueError("the prefix is 1-20 lowercase letters, digits, - or _ (e.g. inc)")
        return value

    _zone = field_validator("timezone")(classmethod(lambda cls, v: zone_name(v)))
    _fields = field_validator("fields")(classmethod(lambda cls, v: check_fields(v)))

    @field_validator("leadership_severities", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return tuple(str(v).upper() for v in value)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        keys = [s.key for s in self.severities]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"severity {', '.join(dupes)} is defined twice; each key must be unique")
        unknown = [k for k in self.leadership_severities if k not in keys]
        if unknown:
            raise ValueError(
                f"leadership_severities names {', '.join(unknown)}, which is not a severity; "
                f"allowed: {', '.join(keys)}"
            )
        stray = [k for k in self.bridge if k.upper() not in keys]
        if stray:
            raise ValueError(
                f"bridge names {', '.join(stray)}, which is not a severity; allowed: {', '.join(keys)}"
            )
        bad = [url for url in self.bridge.values() if not re.match(r"^https://[^\s<>|]+$", url)]
        if bad:
            raise ValueError(f"bridge: {bad[0]!r} is not an https:// link")
        wrong = [r.severity for r in self.alerts.rules if r.severity and r.severity.upper() not in keys]
        if wrong:
            named = ", ".join(wrong)
            raise ValueError(
                f"alerts.rules names severity {named}, which is not a severity; allowed: {', '.join(keys)}"
            )
        role_keys = [r.key for r in self.roles]
        dupes = sorted({k for k in role_keys if role_keys.count(k) > 1})
        if dupes:
            raise ValueError(f"role {', '.join(dupes)} is defined twice; each key must be unique")
        if COMMANDER_ROLE not in role_keys:
            raise ValueError(f"roles must include the commander role, key {COMMANDER_ROLE!r}")
        writers = [r.key for r in self.roles if r.writes_status_page]
        if len(writers) > 1:
            raise ValueError(f"only one role may write the status page; {', '.join(writers)} all do")
        unknown = [k for k in self.escalation.severities if k not in keys]
        if unknown and "escalation" not in self.model_fields_set:
            # The built-in escalation plan speaks of P1-P4: keep what matches the severities defined.
            kept = {k: v for k, v in self.escalation.severities.items() if k in keys}
            object.__setattr__(self, "escalation", self.escalation.model_copy(update={"severities": kept}))
        elif unknown:
            raise ValueError(
                f"escalation.severities names {', '.join(unknown)}, which is not a severity; "
                f"allowed: {', '.join(keys)}"
            )
        return self

    # -- lookups -------------------------------------------------------------------------------
    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def severity_keys(self) -> list[str]:
        return [s.key for s in self.severities]

    def severity(self, key: str) -> Severity:
        for severity in self.severities:
            if severity.key == key.upper():
                return severity
        raise KeyError(key)

    def find_severity(self, text: str) -> Severity | None:
        try:
            return self.severity(text.strip())
        except KeyError:
            return None

    def role(self, key: str) -> Role:
        for role in self.roles:
            if role.key == key:
                return role
        raise KeyError(key)

    def find_role(self, text: str) -> Role | None:
        return next((r for r in self.roles if r.matches(text)), None)

    @property
    def status_page_role(self) -> str | None:
        """The role that gets the status page drafts, if the policy has one."""
        return next((r.key for r in self.roles if r.writes_status_page), None)

    def find_field(self, text: str) -> IncidentField | None:
        return find_field(self.fields, text)

    def bridge_for(self, severity: str) -> str | None:
        """The conference bridge of a severity, if the policy names one."""
        return next((url for key, url in self.bridge.items() if key.upper() == severity.upper()), None)

    def announces_to_leadership(self, severity: str) -> bool:
        return self.leadership_channel is not None and severity.upper() in self.leadership_severities


class PolicyError(Exception):
    """A policy file that cannot be used; the message names the file, the key and what is allowed."""


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _explain(error: ValidationError, source: str) -> str:
    lines = [f"{source}: the policy is not valid:"]
    for item in error.errors():
        loc = _location(tuple(p for p in item["loc"] if not str(p).startswith("function-")))
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key (check the spelling; see docs/configuration.md for the keys allowed)"
        lines.append(f"  - {loc}: {message}")
    return "\n".join(lines)


def load_policy(path: Path | str | None) -> Policy:
    """Load and validate a policy file; ``None`` gives the built-in defaults."""
    if path is None:
        return Policy()
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read the policy file ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path}: not valid YAML: {exc}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise PolicyError(f"{path}: the policy file must be a mapping of keys (see docs/configuration.md)")
    try:
        policy = Policy.model_validate(raw)
    except ValidationError as exc:
        raise PolicyError(_explain(exc, str(path))) from None
    for key in ("templates_dir", "drills_dir"):
        folder = getattr(policy, key)
        if folder is None:
            continue
        if not folder.is_absolute():
            folder = (path.parent / folder).resolve()
        if not folder.is_dir():
            raise PolicyError(f"{path}: {key}: {folder} is not a folder")
        policy = policy.model_copy(update={key: folder})
    return policy


def dump_policy(policy: Policy) -> str:
    """The effective policy as YAML, in the same shape the file takes."""
    data = policy.model_dump(mode="json")
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
