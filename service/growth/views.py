"""HTTP routes of the growth-model registry (admin)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel

from service.deps import PrincipalDep, SessionDep
from service.growth import service
from service.models import GrowthModel

__all__ = ["router"]

router = APIRouter(prefix="/v1/growth-models", tags=["growth models"])


class GrowthModelOut(BaseModel):
    """A stored model and its card (the artefact itself is not served)."""

    id: str
    label: str
    source: str
    active: bool
    created_at: dt.datetime
    activated_at: dt.datetime | None
    card: dict[str, Any]


def _out(model: GrowthModel) -> GrowthModelOut:
    return GrowthModelOut.model_validate(model, from_attributes=True)


@router.get("", response_model=list[GrowthModelOut], summary="Stored growth models")
def list_models(session: SessionDep) -> list[GrowthModelOut]:
    """Newest first, each with its model card (data fingerprint, features, metrics)."""
    return [_out(m) for m in service.list_models(session)]


@router.post(
    "/{model_id}/activate", response_model=GrowthModelOut, summary="Make a model the active one"
)
def activate(
    model_id: Annotated[str, Path(pattern=r"^[0-9a-f]{8,64}$")],
    session: SessionDep,
    principal: PrincipalDep,
) -> GrowthModelOut:
    """Schemes that enable the growth model use the active model from now on."""
    return _out(service.activate(session, principal, model_id=model_id))
