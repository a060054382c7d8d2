"""The guard every route's path and query parameters pass before any handler or query sees them."""

from __future__ import annotations

import types
import typing
from typing import Any
from urllib.parse import unquote_to_bytes

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from service.errors import ValidationFailed

__all__ = ["refuse_nul_parameters"]

_SEQUENCES = (list, set, frozenset, tuple)


async def refuse_nul_parameters(request: Request) -> None:
    """Refuse a NUL in any path or query parameter (PostgreSQL cannot hold one in text), a query
    parameter that is not UTF-8 once percent-decoded (the framework would read each bad byte as
    U+FFFD), and one repeated where the route takes one value (the framework would keep one)."""
    errors: list[dict[str, object]] = [
        {"loc": ["query", name], "message": "is not UTF-8 text once percent-decoded"}
        for name in _undecodable_query(request.scope.get("query_string", b""))
    ]
    for name, value in request.path_params.items():
        if isinstance(value, str) and "\x00" in value:
            errors.append({"loc": ["path", name], "message": "contains a NUL character"})
    items = request.query_params.multi_items()
    for name, value in items:
        if "\x00" in name or "\x00" in value:
            shown = name.replace("\x00", "\\x00")
            errors.append({"loc": ["query", shown], "message": "contains a NUL character"})
    names = [name for name, _value in items]
    if len(set(names)) != len(names):
        route = request.scope.get("route")
        single = _single_valued(route.dependant) if isinstance(route, APIRoute) else set()
        for name in sorted({n for n in names if names.count(n) > 1} & single):
            errors.append({"loc": ["query", name], "message": "takes one value; it was repeated"})
    if errors:
        raise ValidationFailed(
            f"The request does not match the contract ({len(errors)} error(s)).", errors=errors
        )


def _undecodable_query(query_string: bytes) -> list[str]:
    """The names of the query parameters whose name or value is not UTF-8 once percent-decoded."""
    if b"%" not in query_string:
        return []  # the server refuses raw bytes outside ASCII in a request line
    names = []
    for pair in query_string.split(b"&"):
        raw_name, _equals, raw_value = pair.replace(b"+", b" ").partition(b"=")
        name, value = unquote_to_bytes(raw_name), unquote_to_bytes(raw_value)
        try:
            name.decode("utf-8")
            value.decode("utf-8")
        except UnicodeDecodeError:
            names.append(name.decode("utf-8", "replace"))
    return names


def _single_valued(dependant: Dependant) -> set[str]:
    """The names of the query parameters that take one value, through every sub-dependency."""
    names: set[str] = set()
    pending = [dependant]
    while pending:
        current = pending.pop()
        for field in current.query_params:
            if not _is_sequence(field.field_info.annotation):
                names.add(field.alias)
        pending.extend(current.dependencies)
    return names


def _is_sequence(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _is_sequence(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        return any(_is_sequence(arg) for arg in typing.get_args(annotation))
    return origin in _SEQUENCES or annotation in _SEQUENCES
