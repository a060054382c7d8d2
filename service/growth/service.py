"""The growth-model registry: stored models with their cards, one active model, and scoring."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select, update
from sqlalchemy.orm import Session

import scoring
from scoring.growth import (
    ModelVersionError,
    TrainedModel,
    dump_model,
    load_model,
    model_id,
    predict_growth,
    run_backtest,
    run_rolling_origin,
    train_crunchbase_model,
    train_panel_model,
)
from service import audit
from service.errors import Conflict, NotFound, ValidationFailed
from service.keys import Principal
from service.models import GrowthModel, utcnow

__all__ = [
    "CRUNCHBASE_SPLITS",
    "SCORING_SOURCES",
    "activate",
    "backtest",
    "backtest_label",
    "get_active",
    "get_or_raise",
    "growth_frame",
    "list_models",
    "rolling_origin",
    "store",
    "train_crunchbase",
    "train_panel",
]

# Models whose features are computed from Haidian filings and rounds; a Crunchbase model's
# features (a US first round) do not exist for the firms the service scores.
SCORING_SOURCES = frozenset({"synthetic-haidian-panel", "haidian-panel"})


def list_models(session: Session) -> list[GrowthModel]:
    """Every stored model, newest first."""
    return list(session.scalars(select(GrowthModel).order_by(GrowthModel.created_at.desc())))


def get_or_raise(session: Session, model_id: str) -> GrowthModel:
    """A stored model by id (or unique id prefix of at least 8 characters), or a 404."""
    model = session.get(GrowthModel, model_id)
    if model is None and len(model_id) >= 8:
        matches = list(
            session.scalars(select(GrowthModel).where(GrowthModel.id.startswith(model_id)).limit(2))
        )
        model = matches[0] if len(matches) == 1 else None
    if model is None:
        raise NotFound(f"No growth model {model_id!r} is stored.")
    return model


def get_active(session: Session) -> GrowthModel | None:
    """The model schemes use now, if one was activated."""
    return session.scalars(select(GrowthModel).where(GrowthModel.active.is_(True))).first()


def store(
    session: Session, principal: Principal, *, trained: TrainedModel, label: str
) -> GrowthModel:
    """Keep a trained model (content-addressed artefact and card); storing twice is a no-op."""
    blob = dump_model(trained)
    identifier = model_id(blob)
    existing = session.get(GrowthModel, identifier)
    if existing is not None:
        return existing
    card = {**trained.card, "model_id": identifier}
    model = GrowthModel(
        id=identifier,
        label=label,
        source=str(card.get("source", "")),
        card=card,
        artefact=blob,
        active=False,
    )
    session.add(model)
    session.flush()
    audit.record(
        session,
        principal,
        action="growth_model.create",
        target_type="growth_model",
        target_id=identifier,
        detail={"label": label, "source": model.source, "metrics": card.get("metrics", {})},
    )
    return model


def activate(session: Session, principal: Principal, *, model_id: str) -> GrowthModel:
    """Make one model the active one (and no other); only models that can score Haidian firms."""
    model = get_or_raise(session, model_id)
    if model.source not in SCORING_SOURCES:
        raise Conflict(
            f"Model {model.id[:12]} was trained on {model.source!r}; its features do not exist "
            "for the firms this service scores. Activate a model trained on the Haidian panel "
            "(cohorts growth train --source synthetic-panel).",
            extra={"source": model.source},
        )
    try:
        load_model(model.artefact, model.card)
    except ModelVersionError as exc:
        raise Conflict(f"Model {model.id[:12]} cannot be loaded here: {exc}") from None
    session.execute(update(GrowthModel).where(GrowthModel.id != model.id).values(active=False))
    model.active = True
    model.activated_at = utcnow()
    session.flush()
    audit.record(
        session,
        principal,
        action="growth_model.activate",
        target_type="growth_model",
        target_id=model.id,
        detail={"label": model.label, "source": model.source},
    )
    return model


def growth_frame(
    session: Session,
    scheme: scoring.Scheme,
    firms: pd.DataFrame,
    filings: pd.DataFrame,
    funding_rounds: pd.DataFrame,
    *,
    reference_date: dt.date,
) -> tuple[pd.DataFrame | None, str | None]:
    """The engine's ``growth`` frame and the model id, or ``(None, None)`` when not in use."""
    section = scheme.growth_model
    if section is None or not section.enabled:
        return None, None
    model = get_active(session)
    if model is None:
        return None, None
    return _predict(model, firms, filings, funding_rounds, reference_date=reference_date), model.id


def _predict(
    model: GrowthModel,
    firms: pd.DataFrame,
    filings: pd.DataFrame,
    funding_rounds: pd.DataFrame,
    *,
    reference_date: dt.date,
) -> pd.DataFrame:
    """Probabilities and explanations from the stored artefact (refused under another sklearn)."""
    try:
        estimator = load_model(model.artefact, model.card)
    except ModelVersionError as exc:
        raise Conflict(f"The active growth model cannot be used: {exc}") from None
    frame: pd.DataFrame = predict_growth(
        estimator, firms, filings, funding_rounds, as_of=reference_date
    )
    return frame


# The honest time split behind each Crunchbase label's model card: (last training year of first
# rounds, test years), the test windows closing before the export ends (2013-12).
CRUNCHBASE_SPLITS: dict[str, tuple[int, tuple[int, int]]] = {
    "series-b-3y": (2008, (2009, 2010)),
    "exit-5y": (2006, (2007, 2008)),
}


def backtest(
    data_dir: Path, *, train_until: int, test_years: tuple[int, int], label: str, kind: str
) -> dict[str, Any]:
    """Train on first rounds up to ``train_until``, test on ``test_years``; bad data is a 422."""
    try:
        return run_backtest(
            data_dir, train_until=train_until, test_years=test_years, label=label, kind=kind
        )
    except (ValueError, OSError) as exc:
        raise ValidationFailed(str(exc)) from None


def rolling_origin(data_dir: Path, *, label: str, kind: str) -> dict[str, Any]:
    """Backtest every origin year (train to T, test T + 1): each metric's mean and spread."""
    try:
        return run_rolling_origin(data_dir, label=label, kind=kind)
    except (ValueError, OSError) as exc:
        raise ValidationFailed(str(exc)) from None


def backtest_label(data_dir: Path, *, label: str, kind: str) -> dict[str, Any]:
    """The label's honest time-split backtest, the figures a Crunchbase model's card carries."""
    if label not in CRUNCHBASE_SPLITS:
        raise ValidationFailed(f"Unknown label {label!r}; known: {', '.join(CRUNCHBASE_SPLITS)}.")
    train_until, test_years = CRUNCHBASE_SPLITS[label]
    return backtest(
        data_dir, train_until=train_until, test_years=test_years, label=label, kind=kind
    )


def train_crunchbase(
    data_dir: Path, *, label: str, kind: str, metrics: dict[str, Any], trained_on: dt.date
) -> TrainedModel:
    """A model trained on every year of the export, its card carrying the backtest ``metrics``."""
    try:
        return train_crunchbase_model(
            data_dir, trained_on=trained_on, label=label, kind=kind, metrics=metrics
        )
    except (ValueError, OSError) as exc:
        raise ValidationFailed(str(exc)) from None


def train_panel(
    firms: pd.DataFrame,
    filings: pd.DataFrame,
    funding_rounds: pd.DataFrame,
    *,
    as_of_years: list[int],
    kind: str,
    trained_on: dt.date,
) -> TrainedModel:
    """A model trained on a Haidian panel (``auto`` trains the logistic kind)."""
    try:
        return train_panel_model(
            firms,
            filings,
            funding_rounds,
            as_of_years=as_of_years,
            trained_on=trained_on,
            kind="logistic" if kind == "auto" else kind,
        )
    except (ValueError, OSError) as exc:
        raise ValidationFailed(str(exc)) from None
