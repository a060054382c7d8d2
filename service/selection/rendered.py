"""Rendered JSON documents and a small per-app cache of them, keyed by what they depend on.

A membership page depends only on its query and on the newest membership id (memberships are
immutable and only ever added); a shortlist page on its run, its query, the viewer's conflicts
and the round's rating and decision versions. Each request reads those versions from the
database (one small query), so a cached document is never stale, also across workers; the
cache only saves rebuilding and re-serialising identical bytes.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import State

from service.conditional import strong_etag_of

__all__ = ["Rendered", "RenderedCache", "cache_for", "render"]


# Below this size gzip saves too little to pay for itself.
_GZIP_MIN_BYTES = 1024


@dataclass(frozen=True, slots=True)
class Rendered:
    """A JSON body and its strong entity tag, plus its gzip form (and tag) when worth it."""

    body: bytes
    etag: str
    gzipped: bytes | None = None
    gzip_etag: str | None = None


def _encode_default(value: object) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def render(payload: Any) -> Rendered:
    """Compact UTF-8 JSON (dates as ISO 8601) with its strong ETag."""
    body = json.dumps(
        payload, ensure_ascii=False, separators=(",", ":"), default=_encode_default, allow_nan=False
    ).encode("utf-8")
    etag = strong_etag_of(body)
    if len(body) < _GZIP_MIN_BYTES:
        return Rendered(body, etag)
    # mtime=0 keeps the bytes reproducible; a distinct representation needs a distinct tag.
    gzipped = gzip.compress(body, compresslevel=5, mtime=0)
    return Rendered(body, etag, gzipped, etag[:-1] + '-gzip"')


class RenderedCache:
    """At most ``max_entries`` documents, least recently used evicted first; thread-safe."""

    def __init__(self, max_entries: int) -> None:
        self._entries: OrderedDict[Hashable, Rendered] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()
        self._versions: dict[str, tuple[float, Hashable]] = {}

    def recent_version(self, name: str, max_age_s: float) -> Hashable | None:
        """The version of ``name`` read from the database less than ``max_age_s`` ago, if any."""
        with self._lock:
            seen = self._versions.get(name)
        if seen is None or time.monotonic() - seen[0] >= max_age_s:
            return None
        return seen[1]

    def note_version(self, name: str, version: Hashable) -> None:
        """Remember the version of ``name`` just read from the database."""
        with self._lock:
            self._versions[name] = (time.monotonic(), version)

    def get(self, key: Hashable) -> Rendered | None:
        """The document stored under ``key``, if any."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: Hashable, rendered: Rendered) -> None:
        """Store a document, evicting the least recently used beyond the bound."""
        with self._lock:
            self._entries[key] = rendered
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)


def cache_for(state: State) -> RenderedCache:
    """The app's cache of rendered documents, created with the app by ``create_app``."""
    cache: RenderedCache = state.rendered_documents
    return cache
