"""A validation error said in one line: which field, and what is wrong with it."""

from __future__ import annotations

from pydantic import ValidationError


def first_reason(error: ValidationError, within: str = "") -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    where = f"{within}.{where}" if within and where else within or where or "the body"
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "missing":
        return f"{where} is required"
    return f"{where}: {message}"
