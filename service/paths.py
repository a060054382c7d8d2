"""Path parameters that need more than a type: the USCC is normalised and checksum-validated."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from schemas.uscc import normalize_uscc
from service.errors import ValidationFailed

__all__ = ["UsccPath"]


def _uscc_from_path(uscc: Annotated[str, Path(max_length=64)]) -> str:
    try:
        return normalize_uscc(uscc)
    except ValueError as exc:
        raise ValidationFailed(
            f"Invalid USCC: {exc}", errors=[{"loc": ["path", "uscc"], "message": str(exc)}]
        ) from None


UsccPath = Annotated[str, Depends(_uscc_from_path)]
