"""Path, query and header parameters the routes share, each declared once.

The USCC is normalised and checksum-validated; a cohort is one of ``scoring.vocabulary.Cohort``
and reaches the handler as its plain string value. ``known_query_only`` (an app-wide dependency)
answers 422 for a query parameter the route does not declare, so a misspelt ``cursor`` or
filter is an error rather than silently ignored.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from schemas.uscc import normalize_uscc
from scoring.vocabulary import Cohort
from service.errors import ValidationFailed

__all__ = [
    "ID_MAX",
    "CohortPath",
    "CohortQuery",
    "IdPath",
    "IdQuery",
    "IfNoneMatch",
    "UsccPath",
    "known_query_only",
]

# Database ids are 32-bit signed integers on both databases.
ID_MAX = 2**31 - 1

IdPath = Annotated[int, Path(ge=1, le=ID_MAX)]
IdQuery = Annotated[int | None, Query(ge=1, le=ID_MAX)]
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


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _declared_query(request: Request, route: APIRoute) -> frozenset[str]:
    """The query parameter names a route (and every dependency it has) declares, noted in the
    app's ``declared_query`` (one entry per route, which lives as long as the app)."""
    noted: dict[int, frozenset[str]] = request.app.state.declared_query
    names = noted.get(id(route))
    if names is None:
        names = noted[id(route)] = frozenset(_query_names(route.dependant))
    return names


async def known_query_only(request: Request) -> None:
    """A 422 naming each query parameter the matched API route does not take.

    Pages (``/ui``) read their own sort and filter parameters from the query string, and a
    bookmarked link with a parameter a page no longer knows should still open; they are exempt.
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or request.url.path.startswith("/ui"):
        return
    unknown = sorted(set(request.query_params) - _declared_query(request, route))
    if unknown:
        raise ValidationFailed(
            f"Unknown query parameter(s): {', '.join(unknown)}.",
            errors=[{"loc": ["query", name], "message": "unknown parameter"} for name in unknown],
        )
