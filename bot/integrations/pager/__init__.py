"""Paging outside Slack: PagerDuty's Events API v2 and a generic JSON webhook, one effect per
destination (a webhook answering 503 never triggers PagerDuty again, a PagerDuty refusal never
keeps the webhook from being tried)."""
