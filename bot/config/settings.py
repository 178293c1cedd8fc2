"""Deployment settings and secrets, from the environment and an optional ``.env`` file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(Exception):
    """Settings the bot cannot start with; the message is one line naming the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: str = Field(default="", description="Bot token, xoxb-...")
    slack_signing_secret: str = Field(default="", description="Signing secret of the Slack app")
    slack_app_token: str | None = Field(default=None, description="App-level token xapp-...: Socket Mode")
    slack_api_url: str = Field(default="https://slack.com/api/", description="Web API base URL")
    slack_team_id: str | None = Field(
        default=None, description="The only workspace whose requests are taken (default: the token's)"
    )
    slack_app_id: str | None = Field(
        default=None, description="The only app whose requests are taken (default: the token's)"
    )
    database_url: str = Field(default="sqlite:///incident-bot.db")
    pagerduty_webhook_secret: str = Field(
        default="", description="PagerDuty webhook subscription secret: POST /alerts/pagerduty is served"
    )
    alerts_token: str = Field(
        default="", description="Bearer token of POST /alerts/alertmanager and /alerts/generic"
    )
    pagerduty_api_token: str = Field(default="", description="PagerDuty REST API key: on-call lookup")
    pagerduty_api_url: str = Field(
        default="https://api.pagerduty.com/", description="PagerDuty REST base URL"
    )
    jira_url: str = Field(default="", description="Jira's base URL, https://acme.atlassian.net/")
    jira_email: str = Field(default="", description="Jira Cloud: the account's email (with JIRA_API_TOKEN)")
    jira_api_token: str = Field(default="", description="Jira Cloud: an API token (basic auth)")
    jira_pat: str = Field(default="", description="Jira Data Center: a personal access token (bearer)")
    github_token: str = Field(default="", description="GitHub: a token that may write issues")
    github_api_url: str = Field(default="https://api.github.com/", description="GitHub's REST base URL")
    linear_api_key: str = Field(default="", description="Linear: an API key")
    linear_api_url: str = Field(default="https://api.linear.app/graphql", description="Linear's GraphQL URL")
    statuspage_api_key: str = Field(default="", description="Atlassian Statuspage: an API key")
    statuspage_page_id: str = Field(default="", description="Atlassian Statuspage: the page's id")
    statuspage_api_url: str = Field(
        default="https://api.statuspage.io/v1/", description="Atlassian Statuspage's REST base URL"
    )
    tracker_sync: float = Field(
        default=300.0,
        gt=0,
        description="Seconds between reads of the open tickets' states (done there, done here)",
    )
    pagerduty_from: str = Field(
        default="", description="A PagerDuty user's email, for changes when the person's own is unknown"
    )
    port: int = Field(default=3000, ge=1, le=65535)
    host: str = Field(default="0.0.0.0")
    incident_bot_config: Path | None = Field(default=None, description="Path of the YAML policy file")
    scheduler_tick: float = Field(default=5.0, gt=0, description="Seconds between scheduler ticks")
    slack_retry_after: float = Field(
        default=60.0,
        gt=0,
        description="Longest back-off, in seconds, between attempts of a Slack effect that failed",
    )
    integrations_retry_after: float = Field(
        default=60.0,
        gt=0,
        description="Longest back-off, in seconds, between attempts of an effect in an outside system "
        "(PagerDuty, a webhook) that failed",
    )
    slack_channel_pace: float = Field(
        default=1.0, ge=0, description="Seconds between the bot's messages in one channel (Slack's limit)"
    )
    socket_mode_connections: int = Field(
        default=2,
        ge=1,
        le=10,
        description="Socket Mode connections kept open (Slack spreads commands over them; one "
        "refreshed or dropped, the others take them)",
    )
    delivery_workers: int = Field(
        default=32,
        ge=1,
        le=64,
        description="Threads sending the outbox to Slack, one call in flight each (each mostly waits "
        "for Slack's answer)",
    )
    delivery_lease: float = Field(
        default=30.0,
        gt=0,
        description="Seconds a delivery worker holds an effect (renewed while it works); a dead "
        "replica's effects are taken over after this",
    )
    database_timeout: float = Field(
        default=2.0,
        gt=0,
        description="Seconds to wait for the database (connecting, a lock) before answering that "
        "nothing was saved",
    )
    shutdown_grace: float = Field(
        default=10.0, ge=0, description="Seconds to let running work finish on SIGTERM before exiting"
    )
    http_threads: int = Field(default=16, ge=1, description="HTTP server worker threads")
    worker_threads: int = Field(
        default=16, ge=1, description="Threads for work after the ack (opening forms, replies)"
    )
    log_level: str = Field(default="INFO")
    outbox_retention: str = Field(
        default="30d", description="How long delivered effects are kept (30d, 12h): then forgotten"
    )
    metrics: bool = Field(default=False, description="Serve Prometheus metrics at GET /metrics")
    metrics_token: str = Field(default="", description="GET /metrics needs Authorization: Bearer <this>")
    log_format: Literal["text", "json"] = Field(
        default="text", description="text (readable lines) or json (one JSON object a line)"
    )

    @field_validator("slack_api_url", "pagerduty_api_url", "github_api_url", "jira_url", "statuspage_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if not value or value.endswith("/") else value + "/"

    @field_validator("slack_app_token", "incident_bot_config", "slack_team_id", "slack_app_id", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    def secrets(self) -> list[str]:
        """Every secret the settings hold: never written to a log."""
        return [
            self.slack_bot_token, self.slack_app_token or "", self.slack_signing_secret,
            self.pagerduty_webhook_secret, self.alerts_token, self.pagerduty_api_token, self.jira_api_token,
            self.jira_pat, self.github_token, self.linear_api_key, self.statuspage_api_key,
            self.metrics_token,
        ]  # fmt: skip

    @field_validator("outbox_retention")
    @classmethod
    def _a_duration(cls, value: str) -> str:
        from bot.durations import parse_duration

        try:
            kept = parse_duration(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a duration; write it as 30d, 12h or 90m ({exc})") from None
        if kept < timedelta(hours=1):
            raise ValueError("keep delivered effects an hour at least (Slack retries, replays)")
        return value

    @property
    def retention(self) -> timedelta:
        """How long delivered effects (and the record of alert deliveries) are kept."""
        from bot.durations import parse_duration

        return parse_duration(self.outbox_retention)

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    @property
    def publishes_status_page(self) -> bool:
        """The bot may publish to Atlassian Statuspage (a key and a page)."""
        return bool(self.statuspage_api_key and self.statuspage_page_id)

    def require_slack(self) -> None:
        """Raise SettingsError naming the first missing secret the chosen mode needs."""
        if not self.slack_bot_token:
            raise SettingsError("SLACK_BOT_TOKEN is not set: the bot token (xoxb-...) from the Slack app")
        if not self.socket_mode and not self.slack_signing_secret:
            raise SettingsError(
                "SLACK_SIGNING_SECRET is not set: HTTP mode needs the app's signing secret "
                "(or set SLACK_APP_TOKEN for Socket Mode)"
            )


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise SettingsError(f"{name}: {first['msg']}") from None
