"""RFC 9457 problem details, the body of every error response (``application/problem+json``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["FieldProblem", "Problem", "RowProblem"]


class RowProblem(BaseModel):
    """One bad cell or row of a submitted list; ``row`` is ``None`` when the whole file is bad.

    The one type for a bad row: intake reports it, the batch stores it, the 422 and the batch
    report show it.
    """

    model_config = ConfigDict(extra="forbid", from_attributes=True, frozen=True)

    row: int | None = Field(description="Row number as the user sees it (header = 1).")
    field: str | None = Field(description="Column name from the column contract, if one applies.")
    message: str


class FieldProblem(BaseModel):
    """One bad value of a JSON body, located by its path."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    loc: list[str | int] = Field(description="Path to the value, as in the request body.")
    message: str


class Problem(BaseModel):
    """A problem detail object; ``errors`` lists field-level reasons for validation failures."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(default="about:blank", description="URI reference naming the problem type.")
    title: str
    status: int = Field(ge=400, le=599)
    detail: str | None = None
    instance: str | None = None
    errors: list[RowProblem | FieldProblem] | None = None
