"""Progress of a long training or backtest: a callback the caller passes in; the library prints
nothing.

A callback receives what is being done now and the share of the whole job done so far, in
[0, 1]. ``within`` maps a part of a job onto its slice of the whole: a step reporting ``f`` inside
the slice [start, end] reports start + f · (end − start) to the caller.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Progress", "report", "within"]

Progress = Callable[[str, float], None]
"""Called with the current stage, in words, and the share done (0 to 1)."""


def report(progress: Progress | None, stage: str, done: float) -> None:
    """Tell the caller, if it asked to be told."""
    if progress is not None:
        progress(stage, min(max(done, 0.0), 1.0))


def within(progress: Progress | None, start: float, end: float) -> Progress | None:
    """A callback for one part of a job that fills the share [start, end] of the whole."""
    if progress is None:
        return None
    outer = progress

    def part(stage: str, done: float) -> None:
        outer(stage, start + min(max(done, 0.0), 1.0) * (end - start))

    return part
