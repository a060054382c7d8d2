"""HTTP routes of the growth-model registry (admin)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from pydantic import BaseModel, Field

from schemas.growth import ActivateIn, DriftReport, Evidence
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


class GrowthModelCardOut(GrowthModelOut):
    """A stored model, its card, what its card shows of the evidence rule, and what it lacks."""

    evidence: Evidence
    missing_sections: list[str] = Field(
        description="Card sections a reader looks for that this card does not hold."
    )


class ActivationOut(GrowthModelOut):
    """The activated model, the evidence (or the stated override) and the latest pool's drift."""

    evidence: Evidence
    override_reason: str | None
    drift: DriftReport | None = Field(
        description="The newest round's nominated firms against the training data (null when "
        "no round has nominations)."
    )


def _out(model: GrowthModel) -> GrowthModelOut:
    return GrowthModelOut.model_validate(model, from_attributes=True)


ModelIdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{8,64}$")]


@router.get("", response_model=list[GrowthModelOut], summary="Stored growth models")
def list_models(session: SessionDep) -> list[GrowthModelOut]:
    """Newest first, each with its model card (data fingerprint, features, metrics)."""
    return [_out(m) for m in service.list_models(session)]


@router.get("/{model_id}", response_model=GrowthModelCardOut, summary="A growth model's card")
def get_model(model_id: ModelIdPath, session: SessionDep) -> GrowthModelCardOut:
    """The model card: backtest, calibration table, data range, label, features, library
    versions, the training data's reference distributions; whether it meets the evidence rule
    for activation; and the sections the card lacks."""
    card = service.card(session, model_id=model_id)
    return GrowthModelCardOut.model_validate(
        {**_out(card.model).model_dump(), "evidence": card.evidence,
         "missing_sections": card.missing_sections}
    )


@router.post(
    "/{model_id}/activate", response_model=ActivationOut, summary="Make a model the active one"
)
def activate(
    model_id: ModelIdPath,
    session: SessionDep,
    principal: PrincipalDep,
    data: Annotated[ActivateIn | None, Body()] = None,
) -> ActivationOut:
    """Schemes that enable the growth model use the active model from now on. Refused (409)
    when its card holds no time-split backtest in which its ROC AUC on the test years beats its
    baseline's, unless ``reason`` says why (audited with the override). The answer compares the
    newest round's nominated firms with the training data (drift watch)."""
    done = service.activate(
        session, principal, model_id=model_id, reason=None if data is None else data.reason
    )
    return ActivationOut.model_validate(
        {**_out(done.model).model_dump(), "evidence": done.evidence,
         "override_reason": done.override_reason, "drift": done.drift}
    )
