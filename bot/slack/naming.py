"""Incident channel names: ``<prefix>-<year>-<nnnn>-<slug>``, valid for Slack in any script."""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

MAX_CHANNEL_NAME = 80


def slugify(title: str) -> str:
    """Lowercase ASCII words joined by ``-``; other scripts are transliterated (``Москва`` → ``moskva``)."""
    ascii_text = anyascii(unicodedata.normalize("NFKC", title)).lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def channel_name(prefix: str, year: int, number: int, title: str, suffix: int = 0) -> str:
    """The channel name for an incident; ``suffix`` > 1 when the plain name was taken."""
    base = f"{prefix}-{year}-{number:04d}"
    tail = f"-{suffix}" if suffix > 1 else ""
    room = MAX_CHANNEL_NAME - len(base) - len(tail) - 1
    slug = slugify(title)[:room].strip("-") if room > 0 else ""
    return f"{base}-{slug}{tail}" if slug else f"{base}{tail}"
