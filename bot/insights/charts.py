"""Charts for the Markdown report, as PNG files: time to resolve by severity, updates on time by week.

matplotlib is an optional extra (``pip install 'incident-bot[reports]'``); ``available()`` says
whether it is installed. Figures are drawn with the Agg canvas directly: no pyplot, no global state.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from bot.insights.summary import Summary

INSTALL_HINT = "pip install 'incident-bot[reports]'"
_SIZE = (7.0, 3.6)
_DPI = 110


def available() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


def _figure() -> tuple[Any, Any]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=_SIZE, dpi=_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def _empty(axes: Any, text: str) -> None:
    axes.set_axis_off()
    axes.text(0.5, 0.5, text, ha="center", va="center", fontsize=12, color="#555555")


def time_to_resolve_by_severity(summary: Summary, path: Path) -> None:
    """Median and p90 time to resolve (minutes) of each severity, as bars."""
    figure, axes = _figure()
    rows = [(key, s) for key, s in summary.resolve_by_severity if s.median is not None and s.p90 is not None]
    if not rows:
        _empty(axes, "No resolved incidents in this period")
    else:
        labels = [f"{key}\n(n={s.count})" for key, s in rows]
        medians = [s.median.total_seconds() / 60 for _, s in rows if s.median is not None]
        p90s = [s.p90.total_seconds() / 60 for _, s in rows if s.p90 is not None]
        positions = list(range(len(rows)))
        axes.bar([p - 0.2 for p in positions], medians, width=0.4, label="median", color="#3b6fb6")
        axes.bar([p + 0.2 for p in positions], p90s, width=0.4, label="p90", color="#f0a030")
        axes.set_xticks(positions, labels)
        axes.set_xlim(-0.75, max(len(rows), 3) - 0.25)
        axes.set_ylabel("minutes")
        axes.legend()
    axes.set_title("Time to resolve by severity")
    figure.savefig(path, format="png")


def on_time_by_week(summary: Summary, path: Path) -> None:
    """The share of promised updates that came on time, per ISO week (weeks with a promise)."""
    figure, axes = _figure()
    weeks = [w for w in summary.weeks if w.updates.on_time_rate is not None]
    if not weeks:
        _empty(axes, "No update fell due in this period")
    else:
        rates = [100 * (w.updates.on_time_rate or 0) for w in weeks]
        positions = list(range(len(weeks)))
        axes.bar(positions, rates, width=0.6, color="#3b8f5a")
        axes.set_xlim(-0.75, max(len(weeks), 4) - 0.25)
        for position, week in zip(positions, weeks, strict=True):
            axes.annotate(
                f"{week.updates.on_time}/{week.updates.promised}",
                (position, 100 * (week.updates.on_time_rate or 0)),
                ha="center",
                va="bottom",
                fontsize=8,
            )
        axes.set_xticks(positions, [w.week for w in weeks], rotation=45 if len(weeks) > 6 else 0)
        axes.set_ylim(0, 110)
        axes.set_ylabel("% on time")
    axes.set_title("Updates on time by week")
    figure.savefig(path, format="png")
