"""What parsing a candidate list yields: the valid rows, the per-row errors, and file refusals."""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.intake import NominationRow
from schemas.problems import RowProblem

__all__ = ["ListRefusedError", "ParsedList"]


@dataclass(slots=True)
class ParsedList:
    """Valid rows with their row numbers, and every error found; both may be non-empty."""

    format: str
    rows: list[tuple[int, NominationRow]] = field(default_factory=list)
    errors: list[RowProblem] = field(default_factory=list)
    rows_seen: int = 0
    encoding: str | None = None
    # True when the file as a whole was refused (unreadable, too large, bad header): no row was
    # validated, so ``rows`` is empty and ``errors`` says why.
    refused: bool = False

    @property
    def rejected_rows(self) -> list[int]:
        """Row numbers of data rows that have at least one error, in order."""
        if self.refused:
            return []
        return sorted({e.row for e in self.errors if e.row is not None})


class ListRefusedError(Exception):
    """Raised inside the intake package when the file cannot be read at all; never escapes it."""

    def __init__(self, message: str, *, row: int | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.error = RowProblem(row=row, field=field, message=message)
