"""Path parameters shared by the selection routes."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path

__all__ = ["CohortPath", "NominationIdPath", "RunIdPath"]

CohortPath = Annotated[Literal["leader", "hidden-champion", "seed"], Path()]
NominationIdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
RunIdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
