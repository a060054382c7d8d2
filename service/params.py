"""Path, query and header parameters the routes share, each declared once.

The USCC is normalised and checksum-validated; a cohort is one of ``scoring.vocabulary.Cohort``
and reaches the handler as its plain string value.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Query

from schemas.uscc import normalize_uscc
from scoring.vocabulary import Cohort
from service.errors import ValidationFailed

__all__ = ["CohortPath", "CohortQuery", "IdPath", "IdQuery", "IfNoneMatch", "UsccPath"]

# Database ids are 32-bit signed integers on both databases.
_ID_MAX = 2**31 - 1

IdPath = Annotated[int, Path(ge=1, le=_ID_MAX)]
IdQuery = Annotated[int | None, Query(ge=1, le=_ID_MAX)]
IfNoneMatch = Annotated[str | None, Header(alias="If-None-Match", max_length=2000)]


# Async, so that resolving it takes no worker-thread hop.
async def _cohort_from_path(cohort: Annotated[Cohort, Path()]) -> str:
    return cohort.value


async def _cohort_from_query(cohort: Cohort | None = None) -> str | None:
    return None if cohort is None else cohort.value


CohortPath = Annotated[str, Depends(_cohort_from_path)]
CohortQuery = Annotated[str | None, Depends(_cohort_from_query)]


def _uscc_from_path(uscc: Annotated[str, Path(max_length=64)]) -> str:
    try:
        return normalize_uscc(uscc)
    except ValueError as exc:
        raise ValidationFailed(
            f"Invalid USCC: {exc}", errors=[{"loc": ["path", "uscc"], "message": str(exc)}]
        ) from None


UsccPath = Annotated[str, Depends(_uscc_from_path)]
