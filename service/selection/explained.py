"""The parsed explanations of a score run's rows, kept per app: a stored run is never rewritten.

Decoding every row's explanation (gates, criteria, robustness; a few KB of JSON each) was most
of the cost of reading a shortlist. A run's rows are immutable once stored, so their
explanations are decoded once per run and worker and shared by every later read of that run,
whoever the viewer: what a viewer may see (conflicts, assignments) and what changes (names,
ratings, decisions) are applied on top, per request, by ``shortlists.service.read``. The shared
dicts are read-only by contract; readers build new dicts where they change anything.

The bound is in rows, since runs differ in size: a decoded row holds about 19 KB (300 rows of
the demo's ``leader`` run, 1.7 MB of JSON, hold 5.6 MiB), so the default 6,000 rows keep about
110 MiB per worker at most: every cohort's latest run of a few rounds.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import State

from service.models import ScoreResultRow

__all__ = ["ExplanationCache", "cache_for"]

Explanations = dict[int, dict[str, Any]]  # a row's position in its run → its explanation


class ExplanationCache:
    """The explanations of whole runs, at most ``max_rows`` rows in all (or the one run last
    read, if larger), least recently used runs evicted first."""

    def __init__(self, max_rows: int = 6000) -> None:
        self._runs: OrderedDict[int, Explanations] = OrderedDict()
        self._rows = 0
        self._max = max_rows
        self._lock = threading.Lock()

    def of_run(self, session: Session, run_id: int) -> Explanations:
        """Every row's explanation in the run, by position; read and decoded on the first call."""
        with self._lock:
            found = self._runs.get(run_id)
            if found is not None:
                self._runs.move_to_end(run_id)
                return found
        # Decoded outside the lock: two first readers may both decode, and either copy is right.
        rows = session.execute(
            select(ScoreResultRow.position, ScoreResultRow.explanation).where(
                ScoreResultRow.run_id == run_id
            )
        )
        loaded = {position: explanation for position, explanation in rows}
        with self._lock:
            if run_id not in self._runs:
                self._runs[run_id] = loaded
                self._rows += len(loaded)
            while self._rows > self._max and len(self._runs) > 1:
                self._rows -= len(self._runs.popitem(last=False)[1])
        return loaded


def cache_for(state: State) -> ExplanationCache:
    """The app's explanation cache, created with the app by ``create_app``."""
    cache: ExplanationCache = state.explanations
    return cache
