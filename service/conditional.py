"""Entity tags and conditional requests (RFC 9110 §13): If-Match, If-None-Match."""

from __future__ import annotations

import hashlib

__all__ = ["etag_for", "etag_matches", "strong_etag_of"]


def etag_for(kind: str, key: str, version: int) -> str:
    """A strong tag naming an entity's version: ``"firm-9111…-v3"``."""
    return f'"{kind}-{key}-v{version}"'


def strong_etag_of(body: bytes) -> str:
    """A strong tag of a representation's exact bytes."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def etag_matches(header: str | None, etag: str | None, *, weak: bool = False) -> bool:
    """Whether a header's tag list matches ``etag``; ``*`` matches any current representation."""
    if header is None or etag is None:
        return False
    for candidate in (part.strip() for part in header.split(",")):
        if candidate == "*":
            return True
        if weak and candidate.startswith("W/"):
            candidate = candidate[2:]
        if candidate == etag:
            return True
    return False
