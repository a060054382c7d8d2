"""Opaque cursors for keyset pagination: base64url of a small JSON document."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from service.errors import ValidationFailed

__all__ = ["decode_cursor", "encode_cursor", "split_page"]

T = TypeVar("T")


def encode_cursor(position: dict[str, Any]) -> str:
    """Encode the last item's sort key as an opaque cursor."""
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True, default=str)
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str | None, *, keys: dict[str, type]) -> dict[str, Any] | None:
    """Decode a cursor made by ``encode_cursor``; a tampered one is a 422 naming ``cursor``."""
    if cursor is None or cursor == "":
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        position = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        position = None
    if (
        not isinstance(position, dict)
        or set(position) != set(keys)
        or not all(
            isinstance(position[k], t) and not isinstance(position[k], bool)
            for k, t in keys.items()
        )
    ):
        raise ValidationFailed(
            "The cursor is not one this service issued.",
            errors=[{"loc": ["query", "cursor"], "message": "malformed cursor"}],
        )
    return position


def split_page(
    fetched: Sequence[T], limit: int, position_of: Callable[[T], dict[str, Any]]
) -> tuple[list[T], str | None]:
    """Rows fetched with ``limit + 1`` → the page, and the cursor after it (None when last)."""
    page = list(fetched[:limit])
    more = len(fetched) > limit
    return page, encode_cursor(position_of(page[-1])) if more else None
