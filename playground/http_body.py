"""Decoding request bodies the way Slack does: form, JSON, or multipart."""

from __future__ import annotations

import json
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl


class BodyError(ValueError):
    """A body Slack would refuse; ``error`` is Slack's error name for it."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def parse_query(query: str) -> dict[str, Any]:
    return dict(parse_qsl(query, keep_blank_values=True))


def _multipart(content_type: str, body: bytes) -> list[tuple[str, str | None, bytes]]:
    """(field name, filename, raw bytes) for each part."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        raise BodyError("invalid_form_data")
    parts: list[tuple[str, str | None, bytes]] = []
    for part in message.iter_parts():
        if not isinstance(part, EmailMessage):
            continue
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        parts.append((str(name or ""), part.get_filename(), data))
    return parts


def parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    """Arguments carried by a Web API request body."""
    media = _media_type(content_type)
    if not body:
        return {}
    if media == "application/json":
        try:
            decoded = json.loads(body)
        except ValueError:
            raise BodyError("invalid_json") from None
        if not isinstance(decoded, dict):
            raise BodyError("json_not_object")
        return decoded
    if media == "multipart/form-data":
        fields: dict[str, Any] = {}
        for name, filename, data in _multipart(content_type, body):
            fields[name] = data if filename is not None else data.decode("utf-8", "replace")
        return fields
    try:
        return parse_query(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise BodyError("invalid_form_data") from None


def upload_content(content_type: str, body: bytes) -> bytes:
    """File bytes from an upload POST: the raw body, or the file part of a multipart body."""
    if _media_type(content_type) != "multipart/form-data":
        return body
    parts = _multipart(content_type, body)
    for name, filename, data in parts:
        if filename is not None or name == "file":
            return data
    return parts[0][2] if parts else b""


def response_url_body(content_type: str, body: bytes) -> dict[str, Any]:
    """JSON (what slack_sdk's WebhookClient sends, whatever the header) or a form ``payload``."""
    if body.lstrip().startswith(b"{"):
        return parse_body("application/json", body)
    fields = parse_body(content_type, body)
    payload = fields.get("payload")
    if isinstance(payload, str):
        try:
            decoded = json.loads(payload)
        except ValueError:
            raise BodyError("invalid_json") from None
        if isinstance(decoded, dict):
            return decoded
    return fields
