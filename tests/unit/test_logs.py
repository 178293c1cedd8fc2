"""Log lines: one JSON object a line naming the incident and effect they are about, and never a
secret, a Slack token or a request signature, in either format."""

from __future__ import annotations

import io
import json
import logging

from bot.runtime import logs

SECRET = "s3cr3t-signing-value"


def logger_to(stream: io.StringIO, kind: str) -> logging.Logger:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.formatter(kind))
    handler.addFilter(logs.Redact([SECRET, ""]))
    logger = logging.getLogger(f"test.logs.{kind}")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger


def test_json_lines_name_the_effect_and_its_incident() -> None:
    out = io.StringIO()
    logger = logger_to(out, "json")
    with logs.working_on("INC-2026-0007/declare/announce@incident"):
        logger.info("held (%s)", "waiting")
    logger.warning("no effect here", extra={"incident": "INC-2026-0008"})
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["message"] == "held (waiting)" and first["level"] == "INFO"
    assert (
        first["incident"] == "INC-2026-0007" and first["effect"] == "INC-2026-0007/declare/announce@incident"
    )
    assert second["incident"] == "INC-2026-0008" and "effect" not in second
    assert first["time"].endswith("+00:00")


def test_no_secret_token_or_signature_is_written_in_either_format() -> None:
    for kind in ("text", "json"):
        out = io.StringIO()
        logger = logger_to(out, kind)
        logger.info("token %s and %s", "xoxb-1234567890-abcdefghij", SECRET)
        logger.info("headers {'x-slack-signature': 'v0=%s'}", "a" * 64)
        try:
            raise ValueError(f"refused xapp-1-A0123456789-secret {SECRET}")
        except ValueError:
            logger.exception("it broke")
        written = out.getvalue()
        assert "xoxb-1234567890" not in written and SECRET not in written and "xapp-1-A0" not in written
        assert "v0=" + "a" * 64 not in written and written.count(logs.HIDDEN) >= 5, written
