"""The seam between the outbox and the systems effects go to (Slack, PagerDuty, a webhook, …).

An effect kind is a typed payload model (a subclass of ``Effect`` naming its ``KIND``) owned by one
adapter. The adapter declares, per kind, how to deliver one and describe it to a person, whether it
is paced (posts in one place go at most one a second) and whether it creates something a retry must
look for first (a post, a ticket). The app registers the adapters it has; a replica claims only
kinds it has an adapter for, so a kind added by a newer release waits for a replica that knows it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from bot.outbox.holds import Hold
from bot.outbox.outcome import Outcome
from bot.outbox.retry import RetryPolicy
from bot.outbox.store import Claimed, Known


class Effect(BaseModel):
    """What one outbox row asks for, as data. Subclasses name their ``KIND`` (the row's ``kind``)."""

    model_config = ConfigDict(frozen=True, extra="ignore")  # a field a newer release added is not an error
    KIND: ClassVar[str]


P = TypeVar("P", bound=Effect)


@dataclass(frozen=True)
class Kind(Generic[P]):
    payload: type[P]
    deliver: Callable[[Claimed, P], Outcome]
    describe: Callable[[P], str]
    paced: bool = False  # a post in a place: one a second per lane
    creates: bool = False  # a repeat would make a second thing: look for it before sending again
    serial: bool = False  # one call at a time per replica (a small budget: after a 429, none goes early)

    @property
    def name(self) -> str:
        return self.payload.KIND


@dataclass(frozen=True)
class Adapter:
    """One outside system: the kinds it delivers and how patiently it retries them.

    ``probe`` asks the system whether a hold on it can be lifted (Slack: does it take the bot's
    token again, has the app the scope it lacked); without one, a hold lasts until a restart.
    ``prepare`` is shown each batch of its effects as it is claimed, before any is delivered: what
    they all read it can read once (Slack: their incidents, in three queries rather than three each)."""

    name: str  # stable, stored with a hold: "slack", "pager"
    system: str  # for people, in logs and reports: "Slack", "the pager"
    kinds: tuple[Kind[Any], ...]
    retry: RetryPolicy
    probe: Callable[[Hold], bool] | None = None
    prepare: Callable[[list[Claimed]], None] | None = None


@dataclass(frozen=True)
class Registry:
    """The adapters a replica has, and the kinds it may therefore claim."""

    adapters: tuple[Adapter, ...]
    _by_kind: dict[str, tuple[Adapter, Kind[Any]]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_kind: dict[str, tuple[Adapter, Kind[Any]]] = {}
        for adapter in self.adapters:
            for kind in adapter.kinds:
                if kind.name in by_kind:
                    raise ValueError(f"two adapters deliver {kind.name!r}")
                by_kind[kind.name] = (adapter, kind)
        object.__setattr__(self, "_by_kind", by_kind)

    @classmethod
    def of(cls, adapters: Iterable[Adapter]) -> Registry:
        return cls(tuple(adapters))

    def find(self, kind: str) -> tuple[Adapter, Kind[Any]] | None:
        return self._by_kind.get(kind)

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self._by_kind)

    @property
    def paced(self) -> frozenset[str]:
        return frozenset(name for name, (_, kind) in self._by_kind.items() if kind.paced)

    @property
    def serial(self) -> frozenset[str]:
        return frozenset(name for name, (_, kind) in self._by_kind.items() if kind.serial)

    @property
    def creating(self) -> frozenset[str]:
        return frozenset(name for name, (_, kind) in self._by_kind.items() if kind.creates)

    def adapter(self, name: str) -> Adapter | None:
        return next((a for a in self.adapters if a.name == name), None)

    def known(self, holds: Iterable[Hold] = ()) -> Known:
        """What the outbox store needs to claim for this replica: its kinds, less those on hold."""
        held: set[str] = set()
        for hold in holds:
            adapter = self.adapter(hold.adapter)
            if adapter is not None:
                held.update([hold.kind] if hold.kind else (kind.name for kind in adapter.kinds))
        return Known(self.kinds - held, self.paced, self.creating, frozenset(held))
