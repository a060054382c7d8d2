"""Errors the scoring library raises.

The tree, all subclasses of ``ValueError`` so that callers may map them to a 422:

- ``ScoringError`` — base of everything below.
  - ``SchemeError`` — a scheme is malformed; the message names the bad key path
    (``criteria[3].bands[1].lower: ...``), one line per problem.
  - ``ScoringInputError`` — the frames handed to the library do not fit the scheme or the
    column contract (an unknown indicator column, a rating outside its range, ...).
"""

from __future__ import annotations

__all__ = ["AssignmentInfeasible", "SchemeError", "ScoringError", "ScoringInputError"]


class ScoringError(ValueError):
    """Base class of the scoring library's errors."""


class SchemeError(ScoringError):
    """A scheme failed validation; ``problems`` holds ``(key path, message)`` pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("\n".join(f"{path}: {message}" if path else message
                                   for path, message in problems))


class ScoringInputError(ScoringError):
    """The indicator, rating or growth frames do not fit the scheme."""


class AssignmentInfeasible(ScoringError):
    """No assignment fits; ``short_nominations``/``short_reviewers``: id → how many short."""

    def __init__(self, message: str, *, short_nominations: dict[int, int] | None = None,
                 short_reviewers: dict[int, int] | None = None) -> None:
        self.short_nominations = dict(short_nominations or {})
        self.short_reviewers = dict(short_reviewers or {})
        named = [f"nomination {i}: {c} short" for i, c in sorted(self.short_nominations.items())]
        named += [f"reviewer {i}: {c} short" for i, c in sorted(self.short_reviewers.items())]
        super().__init__(message + (" (" + "; ".join(named[:20])
                                    + ("; ..." if len(named) > 20 else "") + ")" if named else ""))
