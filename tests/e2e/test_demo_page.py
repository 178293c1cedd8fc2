"""``incident-bot demo`` in a real browser: headless Chromium from Debian's packages, driven by Playwright.

The demo runs as a subprocess exactly as a new user starts it, at ``--speed 60`` with a policy whose
P1 cadence (2 minutes) brings a reminder two real seconds after an update.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.e2e.harness import EXECUTABLE

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
POLICY = """
severities:
  - {key: P1, label: Critical, response_target: 15m, update_cadence: 2m}
  - {key: P2, label: High, response_target: 1h, update_cadence: 30m}
  - {key: P3, label: Medium, response_target: 4h}
  - {key: P4, label: Low, response_target: next business day}
escalation:
  targets:
    primary-oncall: {users: [U0BOB]}
    backup-oncall: {users: [U0CAROL]}
    engineering-lead: {users: [U0DAVE]}
    cto: {users: [U0ERIN]}
"""
WAIT = 15_000  # ms


@pytest.fixture
def demo_url(tmp_path: Path, database_url: str) -> Iterator[str]:
    policy = tmp_path / "policy.yml"
    policy.write_text(POLICY)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "INCIDENT_BOT_"))}
    env["DATABASE_URL"] = database_url
    log = (tmp_path / "demo.log").open("w+")
    process = subprocess.Popen(
        [str(EXECUTABLE), "demo", "--port", "0", "--speed", "60", "--policy", str(policy)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:\d+/", line)
    assert match, f"no URL in {line!r}; stderr: {(tmp_path / 'demo.log').read_text()}"
    yield match.group(0)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=20) == 0
    log.seek(0)
    errors = log.read()
    assert "Traceback" not in errors, errors


@pytest.fixture
def browser() -> Iterator[Browser | BrowserContext]:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=ARGS,
            viewport={"width": 1280, "height": 900},
        )
        yield context
        context.close()


def say(page: Page, text: str) -> None:
    page.fill("#composer", text)
    page.press("#composer", "Enter")


def be(page: Page, user: str) -> None:
    page.select_option("#person", user)
    expect(page.locator("#person")).to_have_value(user)


def open_channel(page: Page, name: str) -> None:
    page.locator("#channels a.ch", has_text=name).first.click()
    expect(page.locator("#channel-title")).to_contain_text(name)


def test_declare_staff_update_remind_and_resolve_in_the_browser(
    demo_url: str, browser: BrowserContext
) -> None:
    page = browser.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(demo_url)
    expect(page.locator("#channel-title")).to_contain_text("incident-response")

    # Alice declares from the composer; the announcement appears, and her private confirmation
    say(page, "/incident declare P1 Checkout API returning 500s")
    announcement = page.locator("#messages .msg", has=page.locator(".b-header", has_text="Checkout API"))
    expect(announcement).to_have_count(1, timeout=WAIT)
    private = page.locator("#messages .msg.ephemeral").first
    expect(private).to_contain_text("Only visible to you", timeout=WAIT)
    expect(page.locator("#channels a.ch", has_text="inc-")).to_have_count(1)
    # the announcement is edited once its channel exists (its buttons move): click after that
    expect(announcement).to_contain_text("#inc-2026-", timeout=WAIT)

    # Bob takes Tech Lead with the button on the announcement; everyone's copy says so
    be(page, "U0BOB")
    announcement.locator("button[data-action-id=role_take]").first.click()
    expect(announcement).to_contain_text("Tech Lead: @bob", timeout=WAIT)
    expect(page.locator("#channels a.ch", has_text="Incident Bot")).to_have_count(1, timeout=WAIT)  # his DM

    # Alice posts an update through the modal: a required field first, then the update
    be(page, "U0ALICE")
    open_channel(page, "inc-")
    say(page, "/incident update")
    modal = page.locator("#modal-root .modal")
    expect(modal).to_contain_text("Post an update", timeout=WAIT)
    modal.locator(".modal-submit").click()
    expect(modal.locator(".b-input[data-block-id=text] .b-error")).to_contain_text("required")
    modal.locator(".b-input[data-block-id=status] select").select_option(label="Identified")
    modal.locator(".b-input[data-block-id=text] textarea").fill("Rolled back the deploy; errors dropping")
    modal.locator(".modal-submit").click()
    expect(page.locator("#modal-root")).to_be_hidden(timeout=WAIT)
    channel = page.locator("#messages")
    expect(channel).to_contain_text("Rolled back the deploy; errors dropping", timeout=WAIT)

    # at --speed 60 the next update (2 minutes) is due two seconds later: the reminder arrives
    expect(channel.locator(".msg", has_text="an update on")).not_to_have_count(0, timeout=20_000)

    # Alice resolves through the modal; #incident-response hears it
    say(page, "/incident resolve")
    expect(modal).to_contain_text("Resolve the incident", timeout=WAIT)
    modal.locator(".b-input[data-block-id=summary] textarea").fill("A bad deploy; rolled back.")
    modal.locator(".modal-submit").click()
    expect(page.locator("#modal-root")).to_be_hidden(timeout=WAIT)
    open_channel(page, "incident-response")
    resolved = page.locator("#messages .msg", has=page.locator(".b-header", has_text="Resolved · INC-"))
    resolution = resolved.filter(has_text="Duration:")  # the announcement above is edited to say so too
    expect(resolution).to_have_count(1, timeout=WAIT)
    expect(resolution).to_contain_text("A bad deploy; rolled back.")
    assert problems == []


def test_a_refused_form_shows_the_errors_under_its_fields(demo_url: str, browser: BrowserContext) -> None:
    page = browser.new_page()
    page.goto(demo_url)
    say(page, "/incident declare")
    modal = page.locator("#modal-root .modal")
    expect(modal).to_be_visible(timeout=WAIT)
    modal.locator(".b-input[data-block-id=title] input").fill("   ")
    modal.locator(".b-input[data-block-id=severity] label.choice", has_text="P2 - High").click()
    modal.locator(".b-input[data-block-id=impact] textarea, .b-input[data-block-id=impact] input").fill("x")
    modal.locator(".modal-submit").click()
    expect(modal.locator(".b-input[data-block-id=title] .b-error")).to_be_visible(timeout=WAIT)
    expect(modal).to_be_visible()  # kept open, with what was typed
    expect(
        modal.locator(".b-input[data-block-id=impact] textarea, .b-input[data-block-id=impact] input")
    ).to_have_value("x")
    page.keyboard.press("Escape")
    expect(page.locator("#modal-root")).to_be_hidden(timeout=WAIT)


RENDER = """async (cases) => {
  const m = await import("/mrkdwn.js");
  const ctx = { users: { U0BOB: { name: "bob" } }, channelNames: { C0INCRESP: "incident-response" },
    me: "U0ALICE", tz: "America/New_York", now: 1700000000 };
  return cases.map((text) => m.mrkdwn(text, ctx));
}"""


def test_mrkdwn_becomes_markup_and_nothing_else_does(demo_url: str, browser: BrowserContext) -> None:
    page = browser.new_page()
    page.goto(demo_url)
    cases = [
        "*bold* _it_ ~gone~ `a_b*c`",
        "<@U0BOB|bob> in <#C0INCRESP> <!here>",
        "<!date^1700000000^{date_short} {time}|14 Nov 22:13 UTC>",
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; <https://example.com/?a=1&amp;b=2|the site>",
        '<javascript:alert(1)|click> <img src=x onerror="alert(1)">',
        "```<b>raw</b> *not bold*```",
    ]
    bold, mentions, date, entities, hostile, code = page.evaluate(RENDER, cases)
    assert bold == "<b>bold</b> <i>it</i> <s>gone</s> <code>a_b*c</code>"
    assert "@bob</span>" in mentions and 'data-channel="C0INCRESP">#incident-response</a>' in mentions
    assert "@here" in mentions
    assert ">Nov 14, 2023 5:13 PM</time>" in date  # the reader's own time zone
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in entities and "<script" not in entities
    assert (
        '<a href="https://example.com/?a=1&amp;b=2" target="_blank" rel="noopener">the site</a>' in entities
    )
    assert "<a" not in hostile and "<img" not in hostile and "&lt;img src=x onerror=&quot;" in hostile
    assert code == "<pre>&lt;b&gt;raw&lt;/b&gt; *not bold*</pre>"


def test_a_test_alert_from_the_page_lands_in_ops_alerts_and_becomes_an_incident(
    demo_url: str, browser: BrowserContext
) -> None:
    page = browser.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(demo_url)
    expect(page.locator("#channel-title")).to_contain_text("incident-response")
    page.click("#fire-alert")
    open_channel(page, "ops-alerts")
    alert = page.locator("#messages .msg", has_text="Disk 91% full on db-2")
    expect(alert).to_have_count(1, timeout=WAIT)
    alert.get_by_role("button", name="Declare incident").click()
    modal = page.locator("#modal-root .modal")
    expect(modal).to_be_visible(timeout=WAIT)
    expect(modal.locator("input, textarea").first).to_have_value("Disk 91% full on db-2")
    modal.get_by_role("button", name="Declare").click()
    expect(page.locator("#modal-root")).to_be_hidden(timeout=WAIT)
    expect(page.locator("#channels a.ch", has_text="inc-")).to_have_count(1, timeout=WAIT)
    expect(alert).to_contain_text("Linked to", timeout=WAIT)  # the alert's message shows its incident
    assert problems == []


def test_a_reload_drops_the_open_form_and_private_replies_and_days_are_divided(
    demo_url: str, browser: BrowserContext
) -> None:
    page = browser.new_page()
    page.goto(demo_url)
    say(page, "/incident help")
    expect(page.locator("#messages .msg", has_text="Incident bot commands")).not_to_have_count(
        0, timeout=WAIT
    )
    say(page, "/incident declare")
    expect(page.locator("#modal-root .modal")).to_be_visible(timeout=WAIT)
    page.reload()  # as in Slack: the form and the private replies are gone, the page answers clicks
    expect(page.locator("#modal-root")).to_be_hidden(timeout=WAIT)
    expect(page.locator("#messages .msg", has_text="Incident bot commands")).to_have_count(0, timeout=WAIT)
    say(page, "/incident declare P2 Search is slow")
    expect(page.locator("#messages .day-divider", has_text="Today")).to_have_count(1, timeout=WAIT)
