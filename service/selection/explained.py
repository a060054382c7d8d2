"""The parsed explanations of a score run's rows, kept per app: a stored run is never rewritten.

Decoding every row's explanation (gates, criteria, robustness; a few KB of JSON each) was most
of the cost of reading a shortlist. A run's rows are immutable once stored, so each row's
explanation is decoded once per worker and shared by every later read of that run, whoever the
viewer: what a viewer may see (conflicts, assignments) and what changes (names, ratings,
decisions) are applied on top, per request, by ``shortlists.service.read``. The shared dicts are
read-only by contract; readers build new dicts where they change anything. A reader names the
rows it needs: a firm's page decodes that firm's row (and the viewer's conflicted rows), not the
run's 300, and a shortlist decodes the whole run in one statement.

The bound is in rows, since runs differ in size: a decoded row holds about 19 KB (300 rows of
the demo's ``leader`` run, 1.7 MB of JSON, hold 5.6 MiB), so the default 6,000 rows keep about
110 MiB per worker at most: every cohort's latest run of a few rounds.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import State

from service.models import ScoreResultRow

__all__ = ["ExplanationCache", "cache_for"]

Explanations = dict[int, dict[str, Any]]  # a row's position in its run → its explanation

# Missing more rows than this, a reader decodes the whole run (one statement, no long IN list).
_BY_POSITION_MAX = 64


class ExplanationCache:
    """Decoded explanations of runs' rows, at most ``max_rows`` rows in all (or the one run last
    read, if larger), least recently used runs evicted first."""

    def __init__(self, max_rows: int = 6000) -> None:
        # run id → (its decoded rows by position, whether that is every row of the run)
        self._runs: OrderedDict[int, tuple[Explanations, bool]] = OrderedDict()
        self._rows = 0
        self._max = max_rows
        self._lock = threading.Lock()

    def of_run(
        self, session: Session, run_id: int, positions: Collection[int] | None = None
    ) -> Explanations:
        """The explanations of the run's rows at ``positions`` (every row when None), by
        position; the rows not yet kept are read and decoded on the way (the answer may hold
        more rows than asked)."""
        with self._lock:
            found = self._runs.get(run_id)
            if found is not None:
                self._runs.move_to_end(run_id)
        kept, whole = found if found is not None else ({}, False)
        if whole:
            return kept
        missing = None if positions is None else sorted(set(positions) - kept.keys())
        if missing == []:
            return kept
        query = select(ScoreResultRow.position, ScoreResultRow.explanation).where(
            ScoreResultRow.run_id == run_id
        )
        every = missing is None or len(missing) > _BY_POSITION_MAX
        if not every:
            query = query.where(ScoreResultRow.position.in_(missing or []))
        # Decoded outside the lock: two first readers may both decode, and either copy is right.
        decoded = {position: explanation for position, explanation in session.execute(query)}
        with self._lock:
            current, was_whole = self._runs.get(run_id, ({}, False))
            if was_whole:
                return current
            # A new dict, never one a reader holds, grows (copy on write); ``kept`` too, in case
            # the run was evicted meanwhile, so every position asked for is in the answer.
            loaded = decoded if every else {**kept, **current, **decoded}
            self._rows += len(loaded) - len(current)
            self._runs[run_id] = (loaded, every)
            self._runs.move_to_end(run_id)
            while self._rows > self._max and len(self._runs) > 1:
                self._rows -= len(self._runs.popitem(last=False)[1][0])
        return loaded


def cache_for(state: State) -> ExplanationCache:
    """The app's explanation cache, created with the app by ``create_app``."""
    cache: ExplanationCache = state.explanations
    return cache
