"""Adapters for the outside systems other than Slack, one package each, fed by the outbox."""
