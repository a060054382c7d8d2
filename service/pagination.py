"""Keyset pagination: opaque cursors, the one ``cursor``/``limit`` dependency, the page builder.

A cursor is base64url of a small JSON document holding the last item's sort key. A list route
takes ``PageDep``, asks its use case for ``page.fetch`` rows after ``page.after(key, type)``
(one more than the page, to learn whether another follows; the use case cuts its query with
``keyset``) and returns ``build_page(...)``
(``page_of_rows(...)`` for ORM rows read into a response model).
The page size defaults to ``Settings.page_size_default`` and is capped by ``page_size_max``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar, TypeVarTuple

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from schemas.pagination import Page
from service.errors import ValidationFailed
from service.params import ID_MAX

__all__ = [
    "CURSOR_MAX_LENGTH",
    "PageDep",
    "PageParams",
    "PageSizeDep",
    "build_page",
    "decode_cursor",
    "encode_cursor",
    "keyset",
    "page_of_rows",
    "page_params",
    "page_size",
    "split_page",
]

T = TypeVar("T")
K = TypeVar("K", int, str)
M = TypeVar("M")
Out = TypeVar("Out", bound=BaseModel)
Ts = TypeVarTuple("Ts")

CURSOR_MAX_LENGTH = 500


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
        or not all(_storable(position[k], t) for k, t in keys.items())
    ):
        raise ValidationFailed(
            "The cursor is not one this service issued.",
            errors=[{"loc": ["query", "cursor"], "message": "malformed cursor"}],
        )
    return position


def _storable(value: object, kind: type) -> bool:
    """Whether a cursor's value is of ``kind`` and one a database column can be compared with:
    an id in the 32-bit range, or printable text (no NUL, which PostgreSQL refuses, and no lone
    surrogate, which no database can encode)."""
    if not isinstance(value, kind) or isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 <= value <= ID_MAX
    return not isinstance(value, str) or value.isprintable()


def keyset(
    query: Select[*Ts],
    column: InstrumentedAttribute[K],
    *,
    after: K | None,
    limit: int,
    newest_first: bool = False,
) -> Select[*Ts]:
    """``query`` in ``column`` order (descending when ``newest_first``), at most ``limit`` rows
    from just past ``after``, the cursor's value of ``column`` (None: from the start)."""
    ordered = query.order_by(column.desc() if newest_first else column).limit(limit)
    if after is None:
        return ordered
    return ordered.where(column < after if newest_first else column > after)


def split_page(
    fetched: Sequence[T], limit: int, position_of: Callable[[T], dict[str, Any]]
) -> tuple[list[T], str | None]:
    """Rows fetched with ``limit + 1`` → the page, and the cursor after it (None when last)."""
    page = list(fetched[:limit])
    more = len(fetched) > limit
    return page, encode_cursor(position_of(page[-1])) if more else None


async def page_size(
    request: Request,
    limit: Annotated[
        int | None,
        Query(ge=1, description="Items per page (settings: page_size_default, page_size_max)."),
    ] = None,
) -> int:
    """The requested page size, the configured default without one; above the maximum a 422."""
    settings = request.app.state.settings
    if limit is None:
        return int(settings.page_size_default)
    maximum = int(settings.page_size_max)
    if limit > maximum:
        # The same error pydantic gives for ``Query(le=maximum)``, so clients see no difference.
        raise RequestValidationError(
            [
                {
                    "type": "less_than_equal",
                    "loc": ("query", "limit"),
                    "msg": f"Input should be less than or equal to {maximum}",
                    "input": limit,
                    "ctx": {"le": maximum},
                }
            ]
        )
    return limit


PageSizeDep = Annotated[int, Depends(page_size)]


@dataclass(frozen=True, slots=True)
class PageParams:
    """A list request's ``cursor`` (undecoded) and page size."""

    cursor: str | None
    limit: int

    @property
    def fetch(self) -> int:
        """How many rows a use case fetches: one past the page, to know whether more follow."""
        return self.limit + 1

    def after(self, key: str, kind: type[K]) -> K | None:
        """The cursor's ``key`` (a 422 naming ``cursor`` when it is not ours), None on page one."""
        position = decode_cursor(self.cursor, keys={key: kind})
        return None if position is None else kind(position[key])


async def page_params(
    limit: PageSizeDep,
    cursor: Annotated[str | None, Query(max_length=CURSOR_MAX_LENGTH)] = None,
) -> PageParams:
    """The ``cursor`` and ``limit`` query parameters of every paginated list."""
    return PageParams(cursor=cursor, limit=limit)


PageDep = Annotated[PageParams, Depends(page_params)]


def build_page(
    fetched: Sequence[T],
    params: PageParams,
    *,
    position_of: Callable[[T], dict[str, Any]],
    item: Callable[[T], M],
) -> Page[M]:
    """The page of ``fetched`` (``params.fetch`` rows) as API items, with the next cursor."""
    rows, next_cursor = split_page(fetched, params.limit, position_of)
    return Page[Any](items=[item(r) for r in rows], next_cursor=next_cursor)


def page_of_rows(
    fetched: Sequence[Any], params: PageParams, *, key: str, out: type[Out]
) -> Page[Out]:
    """The page of ORM rows sorted by their ``key`` column, each read into the model ``out``."""
    return build_page(
        fetched,
        params,
        position_of=lambda row: {key: getattr(row, key)},
        item=lambda row: out.model_validate(row, from_attributes=True),
    )
