"""The growth-model registry: stored models with their cards, one active model, and scoring."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

import scoring
import scoring.growth
from scoring.growth import drift
from scoring.growth import panel as growth_panel
from scoring.growth.evidence import EVIDENCE_RULE, backtest_evidence
from scoring.growth.labels import REGISTRY_LABEL
from scoring.growth.progress import Progress, within
from service import audit
from service.errors import Conflict, NotFound, ValidationFailed
from service.keys import Principal
from service.models import Firm, GrowthModel, Nomination, utcnow
from service.rounds import service as rounds_service
from service.selection import frames as scoring_frames
from service.selection.frames import ScoringFrames, load_scoring_frames

__all__ = [
    "CARD_SECTIONS",
    "CRUNCHBASE_SPLITS",
    "SCORING_SOURCES",
    "SOURCE_LABELS",
    "Activation",
    "Card",
    "GrowthUse",
    "activate",
    "backtest",
    "backtest_label",
    "backtest_registry",
    "card",
    "check_label",
    "get_active",
    "get_or_raise",
    "list_models",
    "load_registry",
    "model_ref",
    "ref_by_id",
    "rolling_origin",
    "rolling_registry",
    "store",
    "train_crunchbase",
    "train_registry",
    "train_with_backtest",
    "use",
]

# Models whose features are computed from the service's own filings and rounds; a Crunchbase
# model's features (a US first round) do not exist for the firms the service scores.
SCORING_SOURCES = frozenset({"registry"})
# The SYNTHETIC demo firms' marks (seed_data/demo/README.md): organisation codes start with "Y"
# and English names with "Synthetic"; the service may not import the demo package itself.
_DEMO_CODE_MARK = "Y"
_DEMO_NAME_MARK = "Synthetic"


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


# What a reader looks for in a card (issue 14): the sections, by key.
CARD_SECTIONS = (
    "backtest",
    "calibration",
    "data_range",
    "label",
    "label_definition",
    "features",
    "library_versions",
    "reference",
)


@dataclass(frozen=True, slots=True)
class Card:
    """A stored model with what its card shows of the evidence rule and what it lacks."""

    model: GrowthModel
    evidence: dict[str, Any]
    missing_sections: list[str]


def card(session: Session, *, model_id: str) -> Card:
    """A model's card, whether it meets the evidence rule, and the sections it lacks (a
    calibration given only as a sentence counts as lacking its table)."""
    model = get_or_raise(session, model_id)
    missing = [key for key in CARD_SECTIONS if not model.card.get(key)]
    if isinstance(model.card.get("calibration"), str):
        missing.append("calibration")
    return Card(model=model, evidence=backtest_evidence(model.card), missing_sections=missing)


def get_active(session: Session) -> GrowthModel | None:
    """The model schemes use now, if one was activated."""
    return session.scalars(select(GrowthModel).where(GrowthModel.active.is_(True))).first()


def store(
    session: Session, principal: Principal, *, trained: scoring.growth.TrainedModel, label: str
) -> GrowthModel:
    """Keep a trained model (content-addressed artefact and card); storing twice is a no-op."""
    blob = scoring.growth.dump_model(trained)
    identifier = scoring.growth.model_id(blob)
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


@dataclass(frozen=True, slots=True)
class Activation:
    """An activated model, the evidence its card gave, and the latest pool against its data."""

    model: GrowthModel
    evidence: dict[str, Any]
    override_reason: str | None
    drift: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class GrowthUse:
    """What a score run takes from the active model: the engine's frame and the drift watch."""

    frame: pd.DataFrame
    model: GrowthModel
    drift: dict[str, Any] | None


def model_ref(model_id: str, label: str) -> dict[str, Any]:
    """How a run, a shortlist and an explanation name a model: id, label, link to its card."""
    return {"id": model_id, "label": label, "card_url": f"/v1/growth-models/{model_id}"}


def ref_by_id(session: Session, model_id: str | None) -> dict[str, Any] | None:
    """``model_ref`` of a stored model, read without its artefact (None for no id)."""
    if model_id is None:
        return None
    row = session.execute(
        select(GrowthModel.id, GrowthModel.label).where(GrowthModel.id == model_id)
    ).first()
    return None if row is None else model_ref(row.id, row.label)


def activate(
    session: Session, principal: Principal, *, model_id: str, reason: str | None = None
) -> Activation:
    """Make one model the active one (and no other): only a model that can score Haidian firms,
    and only on evidence (``scoring.growth.evidence.EVIDENCE_RULE``) unless ``reason`` says why."""
    model = get_or_raise(session, model_id)
    if model.source not in SCORING_SOURCES:
        raise Conflict(
            f"Model {model.id[:12]} was trained on {model.source!r}; its features do not exist "
            "for the firms this service scores. Activate a model trained on the registry "
            "(cohorts growth train --source registry, or POST /v1/growth-models).",
            extra={"source": model.source},
        )
    try:
        estimator = scoring.growth.load_model(model.artefact, model.card)
    except scoring.growth.ModelVersionError as exc:
        raise Conflict(f"Model {model.id[:12]} cannot be loaded here: {exc}") from None
    evidence = backtest_evidence(model.card)
    override = (reason or "").strip() or None
    if not evidence["passes"] and override is None:
        raise Conflict(
            f"Model {model.id[:12]} is not activated without evidence: {evidence['reason']}. "
            f"Rule: {EVIDENCE_RULE}. To activate it anyway, state why in 'reason' (audited).",
            extra={"evidence": evidence},
        )
    watch = _latest_pool_drift(session, model, estimator)
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
        detail={
            "label": model.label,
            "source": model.source,
            "evidence": evidence,
            "override": override is not None,
            "drift": None if watch is None else _drift_digest(watch),
        },
        reason=override,
    )
    return Activation(model=model, evidence=evidence, override_reason=override, drift=watch)


def _drift_digest(drift: dict[str, Any]) -> dict[str, Any]:
    """The drift figures an audit event keeps: level, largest PSI, pool size, the sentence."""
    keys = ("round_id", "n_pool", "level", "drifted", "max_psi", "summary_en")
    return {key: drift.get(key) for key in keys}


def _latest_pool_drift(
    session: Session, model: GrowthModel, estimator: scoring.growth.GrowthClassifier
) -> dict[str, Any] | None:
    """The newest round's nominated firms, as of its reference date, against the model's
    training data (None when no round has nominations or the card has no reference)."""
    if "reference" not in model.card:
        return None
    round_id = session.scalar(select(func.max(Nomination.round_id)))
    if round_id is None:
        return None
    selection_round = rounds_service.get_or_raise(session, round_id)
    usccs = sorted(set(session.scalars(select(Nomination.uscc).where(
        Nomination.round_id == round_id))))
    frames = scoring_frames.load_scoring_frames(
        session, usccs, reference_date=selection_round.reference_date
    )
    features = growth_panel.scoring_features(
        frames.firms, frames.filings, frames.funding_rounds,
        as_of=selection_round.reference_date,
    )
    watch = _pool_drift(model.card, features, estimator)
    return None if watch is None else {"round_id": round_id, **watch}


def _pool_drift(
    card: dict[str, Any], features: pd.DataFrame, estimator: scoring.growth.GrowthClassifier
) -> dict[str, Any] | None:
    """The pool's features (firms with a filing) against the card's training reference."""
    reference = card.get("reference")
    if reference is None:
        return None
    known = features[features["has_history"].astype(bool)]
    return drift.compare(reference, known[[str(c) for c in estimator.feature_names_in_]])


def use(
    session: Session,
    scheme: scoring.Scheme,
    firms: pd.DataFrame,
    filings: pd.DataFrame,
    funding_rounds: pd.DataFrame,
    *,
    reference_date: dt.date,
) -> GrowthUse | None:
    """The active model's frame and drift watch for these firms, or None when not in use."""
    section = scheme.growth_model
    if section is None or not section.enabled:
        return None
    model = get_active(session)
    if model is None:
        return None
    try:
        estimator = scoring.growth.load_model(model.artefact, model.card)
    except scoring.growth.ModelVersionError as exc:
        raise Conflict(f"The active growth model cannot be used: {exc}") from None
    features = growth_panel.scoring_features(firms, filings, funding_rounds, as_of=reference_date)
    frame = growth_panel.growth_frame(estimator, features)
    return GrowthUse(frame=frame, model=model, drift=_pool_drift(model.card, features, estimator))


# The honest time split behind each Crunchbase label's model card: (last training year of first
# rounds, test years), the test windows closing before the export ends (2013-12).
CRUNCHBASE_SPLITS: dict[str, tuple[int, tuple[int, int]]] = {
    "series-b-3y": (2008, (2009, 2010)),
    "exit-5y": (2006, (2007, 2008)),
}


@contextlib.contextmanager
def _bad_data_is_422(*errors: type[Exception]) -> Iterator[None]:
    """Raise the growth library's refusal of the data (one of ``errors``) as a 422 naming why."""
    try:
        yield
    except errors as exc:
        raise ValidationFailed(str(exc)) from None


def backtest(
    data_dir: Path,
    *,
    train_until: int,
    test_years: tuple[int, int],
    label: str,
    kind: str,
    progress: Progress | None = None,
    fits: scoring.growth.Fits | None = None,
) -> dict[str, Any]:
    """Train on first rounds up to ``train_until``, test on ``test_years``; bad data is a 422."""
    with _bad_data_is_422(ValueError, OSError):
        return scoring.growth.run_backtest(
            data_dir,
            train_until=train_until,
            test_years=test_years,
            label=label,
            kind=kind,
            progress=progress,
            fits=fits,
        )


def rolling_origin(
    data_dir: Path, *, label: str, kind: str, progress: Progress | None = None
) -> dict[str, Any]:
    """Backtest every origin year (train to T, test T + 1): each metric's mean and spread."""
    with _bad_data_is_422(ValueError, OSError):
        return scoring.growth.run_rolling_origin(
            data_dir, label=label, kind=kind, progress=progress
        )


def backtest_label(
    data_dir: Path,
    *,
    label: str,
    kind: str,
    progress: Progress | None = None,
    fits: scoring.growth.Fits | None = None,
) -> dict[str, Any]:
    """The label's honest time-split backtest, the figures a Crunchbase model's card carries."""
    if label not in CRUNCHBASE_SPLITS:
        raise ValidationFailed(f"Unknown label {label!r}; known: {', '.join(CRUNCHBASE_SPLITS)}.")
    train_until, test_years = CRUNCHBASE_SPLITS[label]
    return backtest(
        data_dir,
        train_until=train_until,
        test_years=test_years,
        label=label,
        kind=kind,
        progress=progress,
        fits=fits,
    )


def train_crunchbase(
    data_dir: Path,
    *,
    label: str,
    kind: str,
    metrics: dict[str, Any],
    trained_on: dt.date,
    progress: Progress | None = None,
    fits: scoring.growth.Fits | None = None,
) -> scoring.growth.TrainedModel:
    """A model trained on every year of the export, its card carrying the backtest ``metrics``."""
    with _bad_data_is_422(ValueError, OSError):
        return scoring.growth.train_crunchbase_model(
            data_dir,
            trained_on=trained_on,
            label=label,
            kind=kind,
            metrics=metrics,
            progress=progress,
            fits=fits,
        )


def load_registry(session: Session) -> ScoringFrames:
    """Every stored firm, filing and funding round, as the registry source's frames."""
    usccs = list(session.scalars(select(Firm.uscc)))
    return load_scoring_frames(session, usccs, reference_date=None)


def is_synthetic(frames: ScoringFrames) -> bool:
    """Whether the registry holds the SYNTHETIC demo firms (their organisation codes' mark)."""
    marks = frames.firms["uscc"].str[8] == _DEMO_CODE_MARK
    english = frames.firms["name_en"].fillna("").str.startswith(_DEMO_NAME_MARK)
    return bool((marks & english).any())


def backtest_registry(
    frames: ScoringFrames,
    *,
    train_until: int | None,
    test_years: tuple[int, int] | None,
    kind: str,
    progress: Progress | None = None,
    fits: scoring.growth.Fits | None = None,
) -> dict[str, Any]:
    """The registry's time-split backtest (default: the last two labelled years are the test)."""
    with _bad_data_is_422(ValueError):
        result: dict[str, Any] = scoring.growth.backtest_registry(
            frames.firms,
            frames.filings,
            frames.funding_rounds,
            train_until=train_until,
            test_years=test_years,
            kind=kind,
            progress=progress,
            fits=fits,
        )
    result["synthetic"] = is_synthetic(frames)
    return result


def rolling_registry(
    frames: ScoringFrames, *, kind: str, progress: Progress | None = None
) -> dict[str, Any]:
    """The registry backtest at every origin year: each metric's mean and spread."""
    with _bad_data_is_422(ValueError):
        result: dict[str, Any] = scoring.growth.rolling_registry(
            frames.firms, frames.filings, frames.funding_rounds, kind=kind, progress=progress
        )
    result["synthetic"] = is_synthetic(frames)
    return result


def train_registry(
    frames: ScoringFrames,
    *,
    kind: str,
    metrics: dict[str, Any],
    trained_on: dt.date,
    progress: Progress | None = None,
    fits: scoring.growth.Fits | None = None,
) -> scoring.growth.TrainedModel:
    """A model trained on every labelled year of the registry, its card carrying ``metrics``."""
    with _bad_data_is_422(ValueError):
        return scoring.growth.train_registry_model(
            frames.firms,
            frames.filings,
            frames.funding_rounds,
            trained_on=trained_on,
            kind=kind,
            synthetic=is_synthetic(frames),
            metrics=metrics,
            progress=progress,
            fits=fits,
        )


# The outcome labels each source can train on; the first is its default.
SOURCE_LABELS: dict[str, tuple[str, ...]] = {
    "registry": (REGISTRY_LABEL,),
    "crunchbase-2013": tuple(CRUNCHBASE_SPLITS),
}


def check_label(source: str, label: str | None) -> str:
    """The label to train ``source`` on (its default when None), or a 422 naming ``label``."""
    labels = SOURCE_LABELS[source]
    if label is None:
        return labels[0]
    if label not in labels:
        raise ValidationFailed(
            f"Source {source!r} has no label {label!r}; its labels: {', '.join(labels)}.",
            errors=[{"loc": ["body", "label"], "message": f"one of {', '.join(labels)}"}],
        )
    return label


def train_with_backtest(
    source: str,
    *,
    label: str,
    kind: str,
    trained_on: dt.date,
    registry: ScoringFrames | None = None,
    crunchbase_dir: Path | None = None,
    progress: Progress | None = None,
) -> scoring.growth.TrainedModel:
    """Backtest the source's honest time split for the card, then train on every year."""
    backtesting, training = within(progress, 0.0, 0.6), within(progress, 0.6, 1.0)
    # The training fits most of the backtest's rows again (each year scored by the years
    # before it): those fits are made once.
    fits = scoring.growth.Fits()
    if source == "registry":
        if registry is None:
            raise ValueError("the registry source needs the registry's frames")
        metrics = backtest_registry(
            registry, train_until=None, test_years=None, kind=kind, progress=backtesting, fits=fits
        )
        return train_registry(
            registry,
            kind=kind,
            metrics=metrics,
            trained_on=trained_on,
            progress=training,
            fits=fits,
        )
    if crunchbase_dir is None:
        raise ValidationFailed("The Crunchbase source needs the export's folder.")
    metrics = backtest_label(
        crunchbase_dir, label=label, kind=kind, progress=backtesting, fits=fits
    )
    return train_crunchbase(
        crunchbase_dir,
        label=label,
        kind=kind,
        metrics=metrics,
        trained_on=trained_on,
        progress=training,
        fits=fits,
    )
