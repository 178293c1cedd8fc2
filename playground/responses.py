"""response_url minting and the record of what the bot posted to them."""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any

from playground.records import ResponsePost


class ResponseUrls:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._issued: set[str] = set()
        self._posts: list[ResponsePost] = []

    def mint(self, http_base: str) -> str:
        response_id = secrets.token_urlsafe(12)
        with self._cond:
            self._issued.add(response_id)
        return f"{http_base}/response/{response_id}"

    def record(self, response_id: str, url: str, body: dict[str, Any]) -> bool:
        """Store a POST; False when the id was never minted (the server answers 404)."""
        with self._cond:
            if response_id not in self._issued:
                return False
            self._posts.append(ResponsePost(url, body, time.time()))
            self._cond.notify_all()
            return True

    def posts(self, url: str | None = None) -> list[ResponsePost]:
        with self._cond:
            return [p for p in self._posts if url is None or p.url == url]

    def reset(self) -> None:
        with self._cond:
            self._posts.clear()

    def wait_for(self, url: str | None, timeout: float) -> ResponsePost:
        with self._cond:
            found = self._cond.wait_for(
                lambda: any(url is None or p.url == url for p in self._posts), timeout
            )
            if not found:
                seen = sorted({p.url for p in self._posts}) or ["none"]
                raise AssertionError(f"no POST to {url or 'any response_url'} within {timeout}s; saw: {seen}")
            return next(p for p in self._posts if url is None or p.url == url)
