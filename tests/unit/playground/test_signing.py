from __future__ import annotations

from slack_sdk.signature import Clock, SignatureVerifier

from playground.signing import sign, verify

# Slack's published example from "Verifying requests from Slack".
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TIMESTAMP = 1531420618
BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
EXPECTED = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def test_known_answer_vector() -> None:
    assert sign(SECRET, TIMESTAMP, BODY) == EXPECTED
    assert sign(SECRET, str(TIMESTAMP), BODY.encode()) == EXPECTED


def test_verify_accepts_the_vector_at_its_time() -> None:
    assert verify(SECRET, TIMESTAMP, BODY, EXPECTED, now=TIMESTAMP + 10)


def test_verify_rejects_stale_tampered_and_garbage() -> None:
    assert not verify(SECRET, TIMESTAMP, BODY, EXPECTED, now=TIMESTAMP + 301)
    assert verify(SECRET, TIMESTAMP, BODY, EXPECTED, now=TIMESTAMP + 10_000, max_age=None)
    assert not verify(SECRET, TIMESTAMP, BODY + "x", EXPECTED, now=TIMESTAMP)
    assert not verify("other-secret", TIMESTAMP, BODY, EXPECTED, now=TIMESTAMP)
    assert not verify(SECRET, "not-a-number", BODY, EXPECTED, now=TIMESTAMP)


def test_matches_slack_sdk_verifier() -> None:
    verifier = SignatureVerifier(SECRET, clock=_FixedClock(TIMESTAMP))
    body = '{"type":"event_callback"}'
    signature = sign(SECRET, TIMESTAMP, body)
    assert verifier.is_valid(body=body, timestamp=str(TIMESTAMP), signature=signature)


class _FixedClock(Clock):
    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now
