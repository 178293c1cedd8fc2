"""Prometheus metrics for the people who run the bot (``GET /metrics``, with ``METRICS=1`` or a
``METRICS_TOKEN``): one registry per app, names and labels as Prometheus users expect them.

Counters and histograms move where things happen (an acknowledgement, a delivery, a tick); what the
database holds (the outbox backlog, the open incidents) is read when Prometheus scrapes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 3.0, 5.0, 10.0)
LATENESS_BUCKETS = (0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)
TICK_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0)

# What a scrape reads from the database: (pending, failed, oldest pending age in seconds, open
# incidents by severity); raises when the database does not answer.
Reader = Callable[[], tuple[int, int, float, dict[str, int]]]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.acks = Counter(
            "incident_bot_acks", "Requests from Slack acknowledged, by kind", ["kind"], registry=r
        )
        self.ack_seconds = Histogram(
            "incident_bot_ack_duration_seconds",
            "Time from a request's arrival to its acknowledgement, by kind",
            ["kind"], buckets=LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.refusals = Counter(
            "incident_bot_refusals", "Changes refused (permissions, races), by reason", ["reason"], registry=r
        )
        self.deliveries = Counter(
            "incident_bot_deliveries",
            "Delivery attempts of owed effects, by kind and outcome (done, again, held, failed)",
            ["kind", "outcome"], registry=r,
        )  # fmt: skip
        self.rate_limited = Counter(
            "incident_bot_rate_limited",
            "Deliveries answered 429 (wait Retry-After), by kind",
            ["kind"],
            registry=r,
        )
        self.in_doubt = Counter(
            "incident_bot_in_doubt_lookups",
            "Effects whose earlier attempt may have landed (a crash, a timeout, a replica that died): "
            "looked for before being made again",
            ["kind"], registry=r,
        )  # fmt: skip
        self.tick_seconds = Histogram(
            "incident_bot_scheduler_tick_duration_seconds", "Scheduler tick duration", buckets=TICK_BUCKETS,
            registry=r,
        )  # fmt: skip
        self.reminders = Counter("incident_bot_reminders_sent", "Update reminders sent", registry=r)
        self.reminder_lateness = Histogram(
            "incident_bot_reminder_lateness_seconds",
            "How long after it was due an update reminder was sent",
            buckets=LATENESS_BUCKETS, registry=r,
        )  # fmt: skip
        self.escalations = Counter(
            "incident_bot_escalations_fired", "Escalation tiers fired, by when (at declare, a tier)",
            ["when"], registry=r,
        )  # fmt: skip
        self.alerts = Counter(
            "incident_bot_alerts_received",
            "Alert webhooks received, by source and outcome (taken, refused)",
            ["source", "outcome"], registry=r,
        )  # fmt: skip

    def watch(self, read: Reader, database_errors: Callable[[], int]) -> None:
        """What a scrape reads from the database, and how many database failures this replica met."""
        self.registry.register(_FromDatabase(read, database_errors))

    def scrape(self) -> bytes:
        return generate_latest(self.registry)


class _FromDatabase(Collector):
    def __init__(self, read: Reader, errors: Callable[[], int]) -> None:
        self.read, self.errors = read, errors

    def collect(self) -> Iterator[Any]:
        yield CounterMetricFamily(
            "incident_bot_database_errors",
            "Database failures met by this replica (an outage counts each failed call)",
            value=self.errors(),
        )
        up = GaugeMetricFamily("incident_bot_database_up", "1 when the database answered this scrape")
        try:
            pending, failed, oldest, open_by_severity = self.read()
        except Exception:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily(
            "incident_bot_outbox_pending", "Effects owed and not delivered yet", value=pending
        )
        yield GaugeMetricFamily(
            "incident_bot_outbox_failed", "Effects refused for good (reported)", value=failed
        )
        yield GaugeMetricFamily(
            "incident_bot_outbox_oldest_pending_age_seconds",
            "Age of the oldest effect still owed",
            value=oldest,
        )
        incidents = GaugeMetricFamily(
            "incident_bot_incidents_open", "Open incidents, by severity", labels=["severity"]
        )
        for severity, count in sorted(open_by_severity.items()):
            incidents.add_metric([severity], count)
        yield incidents
