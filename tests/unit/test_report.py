"""``incident-bot report`` in every format over a database with several resolved incidents."""

from __future__ import annotations

import csv
import io
import json
import struct
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import main as cli
from bot.config.policy import Policy
from bot.db.engine import transaction
from bot.db.models import ActionItem, Status
from bot.incidents import external
from bot.insights import charts
from tests.insights_history import History

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
DAY = 24 * 60
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def bot_dir(
    sessions: sessionmaker[Session], database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A bot's working directory whose database holds resolved, open, drill and private incidents."""
    h = History(sessions, Policy(), START)
    a = h.declare(
        0, "P1", title="Checkout | API <returns> 500s", platform="AWS", services="checkout, payments"
    )
    h.update(a, 10, Status.MONITORING)
    h.resolve(
        a, 40, summary="Checkout failed for 40 minutes", root_cause="DB pool exhausted", fix="Pool 20→50"
    )
    h.action(a, 45, "Alert on pool saturation", due=date(2026, 11, 20))
    h.action(a, 46, "Load test checkout before sales")
    with transaction(sessions) as session:  # the first follow-up has its ticket in the tracker
        item = session.scalars(select(ActionItem).where(ActionItem.text == "Alert on pool saturation")).one()
        external.record(
            session,
            item.incident_id,
            "jira",
            f"follow_up:{item.id}",
            "OPS-7",
            url="https://jira.example/browse/OPS-7",
        )
    b = h.declare(3 * DAY, "P2", commander=None, platform="GCP", service="search")
    h.assign(b, 3 * DAY + 20)
    h.resolve(b, 3 * DAY + 200, summary="Search slow", root_cause="Index rebuild", fix="Paused the rebuild")
    h.declare(9 * DAY, "P3", title="Still open", platform="aws")
    drill = h.declare(10 * DAY, "P1", title="Game day drill", drill=True)
    h.resolve(drill, 10 * DAY + 30, summary="Drill went well", root_cause="Simulated", fix="None")
    secret = h.declare(11 * DAY, "P1", title="Credential leak", private=True, platform="AWS")
    h.resolve(secret, 11 * DAY + 30, summary="Key rotated", root_cause="Leaked key", fix="Rotated key")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("INCIDENT_BOT_CONFIG", raising=False)
    return tmp_path


def report(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["report", "--since", "2026-11-01", "--until", "2026-11-30", *args])
    out, err = capsys.readouterr()
    return code, out, err


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG, f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    return width, height


def test_markdown_to_a_file_writes_real_png_charts_next_to_it(
    bot_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = report(capsys, "--format", "md", "--output", "report.md")
    assert code == 0 and out == "wrote report.md, report-ttr.png, report-ontime.png\n"
    for name in ("report-ttr.png", "report-ontime.png"):
        width, height = png_size(bot_dir / name)
        assert width >= 400 and height >= 200 and (bot_dir / name).stat().st_size > 5000
    text = (bot_dir / "report.md").read_text()
    assert "![Time to resolve by severity](report-ttr.png)" in text
    assert "![Updates on time by week](report-ontime.png)" in text
    assert "| Incidents | 3 (2 resolved, 1 open) |" in text
    assert "| MTTR: time to resolve, median / p90 | 2 hours / 3 hours 20 minutes |" in text
    assert "| AWS | 2 |" in text and "| search | 1 |" in text
    assert "2 drill or private incidents were left out" in text
    assert "Checkout \\| API &lt;returns&gt; 500s" in text  # table cells stay cells, no HTML
    assert "Game day drill" not in text and "Credential leak" not in text


def test_markdown_to_stdout_says_how_to_get_the_charts(
    bot_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = report(capsys)
    assert code == 0 and out.startswith("# Incident report: 2026-11-01 to 2026-11-30")
    assert "give `--output report.md` to write them as PNG files" in out
    assert not list(bot_dir.glob("*.png"))
    monkeypatch.setattr(charts, "available", lambda: False)
    code, _, _ = report(capsys, "--output", "plain.md", "--include-drills")
    text = (bot_dir / "plain.md").read_text()
    assert code == 0 and "Charts need matplotlib: `pip install 'incident-bot[reports]'`" in text
    assert "Game day drill" in text and not list(bot_dir.glob("*.png"))


def test_csv_has_one_row_per_incident_with_every_field_and_metric(
    bot_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = report(capsys, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["id"] for r in rows] == ["INC-2026-0001", "INC-2026-0002", "INC-2026-0003"]
    first = rows[0]
    assert first["field_platform"] == "AWS" and first["field_services"] == "checkout, payments"
    assert first["time_to_resolve_seconds"] == "2400" and first["time_to_mitigate_seconds"] == "600"
    assert first["time_in_investigating_seconds"] == "600" and first["time_in_monitoring_seconds"] == "1800"
    assert first["title"] == "Checkout | API <returns> 500s" and first["root_cause"] == "DB pool exhausted"
    assert rows[1]["time_to_acknowledge_seconds"] == "1200" and rows[1]["service"] == "search"
    assert rows[2]["time_to_resolve_seconds"] == "" and rows[2]["status"] == "Investigating"
    for column in ("updates_promised", "updates_on_time", "updates_late", "escalations", "pages", "reopens"):
        assert column in first


def test_json_rows_carry_seconds_and_words(bot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = report(capsys, "--format", "json", "--include-private", "--include-drills")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 5
    first = rows[0]
    assert first["time_to_resolve_seconds"] == 2400 and first["time_to_resolve"] == "40 minutes"
    assert first["time_to_acknowledge_seconds"] == 0 and first["field_services"] == "checkout, payments"
    assert first["time_to_role_tech_lead_seconds"] is None and first["time_to_role_tech_lead"] is None
    assert [(r["drill"], r["private"]) for r in rows[3:]] == [(True, False), (False, True)]


def test_rca_records_carry_every_field_and_leave_private_ones_out(
    bot_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = report(capsys, "--format", "rca", "--output", "rca.txt")
    assert code == 0 and out == "wrote rca.txt\n"
    blocks = (bot_dir / "rca.txt").read_text().split("=" * 72)
    assert (
        len(blocks) == 2
    )  # the two resolved incidents; the open one, the drill and the private one left out
    first = blocks[0].strip().splitlines()
    assert first[:6] == [
        "Incident number: INC-2026-0001",
        "Date: 2026-11-02",
        "Severity: P1 (Critical)",
        "Platform: AWS",
        "Services: checkout, payments",
        "Title: Checkout | API <returns> 500s",
    ]
    text = "\n".join(first)
    for part in (
        "Summary:\nCheckout failed for 40 minutes",
        "Root cause:\nDB pool exhausted",
        "Resolution:\nPool 20→50",
        "Prevention:\n1. Alert on pool saturation (ticket OPS-7: https://jira.example/browse/OPS-7)\n"
        "2. Load test checkout before sales",
    ):
        assert part in text
    assert "Services: search" in blocks[1] and "Prevention:\nNo action items recorded." in blocks[1]
    code, out, _ = report(capsys, "--format", "rca", "--include-private")
    assert "Credential leak" in out and "Root cause:\nLeaked key" in out and "Game day drill" not in out
    assert out.count("=" * 72) == 2


def test_bad_dates_and_no_database_are_one_line_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("INCIDENT_BOT_CONFIG", raising=False)
    assert cli.main(["report", "--since", "2026-11-01"]) == 1
    err = capsys.readouterr().err
    assert err == (
        "incident-bot: no database at incident-bot.db: run this in the bot's directory, "
        "or set DATABASE_URL to its database\n"
    )
    assert not list(tmp_path.iterdir())  # no database file was made
    assert cli.main(["report", "--since", "1/11/2026"]) == 2
    assert capsys.readouterr().err == (
        "incident-bot: --since 1/11/2026 is not a date: write it as YYYY-MM-DD, e.g. 2026-11-01\n"
    )
    assert cli.main(["report", "--since", "2026-11-05", "--until", "2026-02-30"]) == 2
    assert "--until 2026-02-30 is not a date" in capsys.readouterr().err
    assert cli.main(["report", "--since", "2026-11-05", "--until", "2026-11-01"]) == 2
    assert capsys.readouterr().err == "incident-bot: --until 2026-11-01 is before --since 2026-11-05\n"


def test_an_output_folder_that_does_not_exist_is_one_line(
    bot_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = report(capsys, "--output", "missing/report.md")
    assert code == 2 and out == ""
    assert err == "incident-bot: --output missing/report.md: the folder missing does not exist\n"


def test_csv_cells_that_look_like_formulas_are_written_so_no_spreadsheet_runs_them() -> None:
    from bot.insights.report import csv_text

    row = {
        "title": '=HYPERLINK("http://evil.example","open me")',
        "root_cause": "+1 more pool",
        "fix": "-rm -rf",
        "service": "@checkout",
        "impact": "\tindented",
        "summary": "\rcarriage",
        "followups": "plain - fine",
        "pages": 3,
        "delta": -5,
    }
    out = csv_text([row], list(row))
    [read] = list(csv.DictReader(io.StringIO(out, newline="")))
    assert read["title"] == "'" + str(row["title"])
    assert [read[k][0] for k in ("root_cause", "fix", "service", "impact", "summary")] == ["'"] * 5
    assert read["followups"] == "plain - fine"
    assert (read["pages"], read["delta"]) == ("3", "-5")  # numbers stay numbers
