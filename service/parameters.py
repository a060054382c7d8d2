"""The guard every route's path and query parameters pass before any handler or query sees them."""

from __future__ import annotations

from fastapi import Request

from service.errors import ValidationFailed

__all__ = ["refuse_nul_parameters"]


async def refuse_nul_parameters(request: Request) -> None:
    """Refuse a NUL in any path or query parameter: PostgreSQL cannot hold one in text."""
    errors: list[dict[str, object]] = []
    for name, value in request.path_params.items():
        if isinstance(value, str) and "\x00" in value:
            errors.append({"loc": ["path", name], "message": "contains a NUL character"})
    for name, value in request.query_params.multi_items():
        if "\x00" in name or "\x00" in value:
            shown = name.replace("\x00", "\\x00")
            errors.append({"loc": ["query", shown], "message": "contains a NUL character"})
    if errors:
        raise ValidationFailed(
            f"The request does not match the contract ({len(errors)} error(s)).", errors=errors
        )
