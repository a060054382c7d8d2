"""Score runs: a cohort's nominations scored under its active scheme, kept exactly as computed."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

import scoring
from schemas.selection import ScoreRunIn
from scoring import robustness
from service import audit
from service.errors import Conflict, NotFound, ValidationFailed
from service.growth import service as growth_service
from service.keys import Principal
from service.models import ScoreResultRow, ScoreRun, StoredScheme
from service.rounds import service as rounds_service
from service.schemes import service as schemes_service
from service.selection import calibration, nominations, rated
from service.selection import frames as scoring_frames
from service.selection.reviews import service as reviews_service

__all__ = ["create", "describe", "get_or_raise", "latest"]

# Rows per INSERT statement: keeps each executemany page well under bind-parameter limits.
_INSERT_PAGE = 2_000


def create(
    session: Session,
    principal: Principal,
    *,
    round_id: int,
    cohort: str,
    options: ScoreRunIn,
    usd_cny: float,
) -> ScoreRun:
    """Score every nomination of ``cohort`` in the round and store the run with its results."""
    selection_round = rounds_service.get_or_raise(session, round_id)
    rounds_service.require_state(selection_round, "scoring", doing="scoring")
    nomination_ids = nominations.cohort_nominations(session, round_id=round_id, cohort=cohort)
    if not nomination_ids:
        raise Conflict(f"Round {round_id} has no nominations for {cohort!r} to score.")
    stored, scheme = schemes_service.get_active_for_cohort(session, cohort)
    capacity = rounds_service.capacity(selection_round, cohort)
    ratings_required = rated.ratings_required(session, round_id=round_id, cohort=cohort)
    reference_date = selection_round.reference_date
    frames = scoring_frames.load_scoring_frames(
        session, list(nomination_ids), reference_date=reference_date
    )
    ratings = _ratings_for(
        session,
        scheme,
        round_id=round_id,
        cohort=cohort,
        calibrated=options.calibrated_ratings,
        firms=nomination_ids,
    )
    try:
        indicators = scoring.derive_indicators(
            frames.firms,
            frames.filings,
            frames.funding_rounds,
            reference_date=reference_date,
            usd_cny=usd_cny,
        )
        used = growth_service.use(
            session,
            scheme,
            frames.firms,
            frames.filings,
            frames.funding_rounds,
            reference_date=reference_date,
        )
        growth = None if used is None else used.frame
        model_id = None if used is None else used.model.id
        result = scoring.score(
            scheme,
            indicators,
            ratings=ratings,
            growth=growth,
            capacity=capacity,
            ratings_required=ratings_required,
        )
        stability = scoring.weight_stability(
            scheme,
            indicators,
            capacity=capacity,
            draws=options.sensitivity_draws,
            seed=options.sensitivity_seed,
            ratings=ratings,
            growth=growth,
            ratings_required=ratings_required,
        )
        left_out = robustness.leave_one_out_capacity(
            result,
            scoring.leave_one_out(scheme, indicators, ratings=ratings, growth=growth),
            capacity=capacity,
        )
    except scoring.ScoringInputError as exc:
        raise ValidationFailed(f"The nominations cannot be scored: {exc}") from None
    fingerprint = scoring_frames.frames_fingerprint(
        frames.firms,
        frames.filings,
        frames.funding_rounds,
        ratings,
        growth,
        extra=(
            stored.fingerprint,
            reference_date.isoformat(),
            str(capacity),
            str(usd_cny),
            str(ratings_required),
        ),
    )
    summary = scoring.explanations.summary(result)
    run = ScoreRun(
        round_id=round_id,
        cohort=cohort,
        scheme_pk=stored.id,
        scheme_fingerprint=stored.fingerprint,
        growth_model_id=model_id,
        input_fingerprint=fingerprint,
        capacity=capacity,
        firms_scored=len(summary),
        firms_eligible=int(summary["eligible"].sum()),
        ratings_used=0 if ratings is None else len(ratings),
        calibrated_ratings=options.calibrated_ratings,
        sensitivity_draws=options.sensitivity_draws,
        sensitivity_seed=options.sensitivity_seed,
        criteria=list(result.structure.criteria),
        created_by=principal.label,
        growth_drift=None if used is None else used.drift,
    )
    session.add(run)
    session.flush()
    growth_context = None if used is None else _growth_context(used)
    _store_results(session, run.id, result, stability, nomination_ids, left_out, growth_context)
    audit.record(
        session,
        principal,
        action="score_run.create",
        target_type="score_run",
        target_id=run.id,
        detail={
            "round_id": round_id,
            "cohort": cohort,
            "scheme": f"{stored.scheme_id}@{stored.version}",
            "growth_model_id": model_id,
            "input_fingerprint": fingerprint,
            "firms_scored": run.firms_scored,
            "firms_eligible": run.firms_eligible,
            "growth_drift": None if used is None or used.drift is None else used.drift["level"],
        },
    )
    return run


def _growth_context(used: growth_service.GrowthUse) -> dict[str, Any]:
    """What every explanation's growth section adds to the engine's: the model with a link to
    its card, and the run's drift flag in words."""
    watch = used.drift
    return {
        "model": growth_service.model_ref(used.model.id, used.model.label),
        "drift": None
        if watch is None
        else {key: watch[key] for key in ("level", "drifted", "max_psi", "summary_en",
                                          "summary_zh")},
    }


def _ratings_for(
    session: Session,
    scheme: scoring.Scheme,
    *,
    round_id: int,
    cohort: str,
    calibrated: bool,
    firms: Collection[str],
) -> pd.DataFrame | None:
    """The engine's ratings frame for the scheme's rated criteria, raw or calibrated, keyed
    by the cohort's ``firms`` in uscc order (``scoring.keyed_ratings``), so that the run's
    three scorings read codes: its strings are hashed once, not once per scoring."""
    rules = rated.rated_criteria(scheme)
    if not rules:
        return None
    frame = reviews_service.ratings_frame(session, round_id=round_id, cohort=cohort)
    frame = frame.loc[frame["criterion"].isin(list(rules))].reset_index(drop=True)
    if calibrated and not frame.empty:
        frame = frame.assign(
            score=calibration.calibrate(frame, {c: r.range for c, r in rules.items()})
        )
    return scoring.keyed_ratings(
        frame.loc[:, ["uscc", "criterion", "reviewer", "score"]], pd.Index(sorted(firms))
    )


def _store_results(
    session: Session,
    run_id: int,
    result: scoring.ScoreResult,
    stability: pd.Series,
    nomination_ids: dict[str, int],
    left_out: dict[str, dict[str, dict[str, int | bool]]],
    growth_context: dict[str, Any] | None = None,
) -> None:
    """Every firm's result and explanation, in shortlist order, with multi-row inserts; each
    explanation gains ``robustness``: leave-one-out per criterion and the other aggregation's
    rank (``scoring.robustness``)."""
    stable = dict(zip(stability.index.astype(str), stability.round(6).tolist(), strict=True))
    method, alternative = robustness.alternative_ranking(result)
    compared = {
        str(uscc): {
            "method": method,
            "rank": None if pd.isna(row["rank"]) else int(row["rank"]),
            "rank_difference": (
                None if pd.isna(row["rank_difference"]) else int(row["rank_difference"])
            ),
        }
        for uscc, row in alternative.iterrows()
    }
    rows: list[dict[str, Any]] = [
        {
            "run_id": run_id,
            "position": position,
            "nomination_id": nomination_ids[explanation["uscc"]],
            "uscc": explanation["uscc"],
            "rank": explanation["rank"],
            "total": explanation["total"],
            "eligible": explanation["eligible"],
            "passed": explanation["passed"],
            "within_capacity": bool(explanation["within_capacity"]),
            "stability": float(stable.get(explanation["uscc"], 0.0)),
            "flags": list(explanation["flags"]),
            "explanation": {
                **explanation,
                **_with_growth_context(explanation, growth_context),
                "robustness": {
                    "leave_one_out": left_out.get(explanation["uscc"]),
                    "compare": compared[explanation["uscc"]],
                },
            },
        }
        for position, explanation in enumerate(scoring.explain_all(result), start=1)
    ]
    for start in range(0, len(rows), _INSERT_PAGE):
        session.execute(insert(ScoreResultRow), rows[start : start + _INSERT_PAGE])


def _with_growth_context(
    explanation: dict[str, Any], context: dict[str, Any] | None
) -> dict[str, Any]:
    """The explanation's growth section with the run's model and drift (nothing without one)."""
    if context is None or "growth" not in explanation:
        return {}
    return {"growth": {**explanation["growth"], **context}}


def get_or_raise(session: Session, *, round_id: int, cohort: str, run_id: int) -> ScoreRun:
    """A run of this round and cohort, or a 404."""
    run = session.get(ScoreRun, run_id)
    if run is None or run.round_id != round_id or run.cohort != cohort:
        raise NotFound(f"Round {round_id} has no {cohort!r} score run {run_id}.")
    return run


def latest(session: Session, *, round_id: int, cohort: str) -> ScoreRun | None:
    """The newest run of the round's cohort, if any."""
    return session.scalars(
        select(ScoreRun)
        .where(ScoreRun.round_id == round_id, ScoreRun.cohort == cohort)
        .order_by(ScoreRun.id.desc())
        .limit(1)
    ).first()


def describe(session: Session, run: ScoreRun) -> dict[str, Any]:
    """The run as the API shows it, with its scheme's id and version."""
    stored = session.get(StoredScheme, run.scheme_pk)
    assert stored is not None  # a foreign key with ON DELETE RESTRICT
    return {
        "id": run.id,
        "round_id": run.round_id,
        "cohort": run.cohort,
        "scheme": {
            "pk": stored.id,
            "id": stored.scheme_id,
            "version": stored.version,
            "fingerprint": stored.fingerprint,
        },
        "growth_model_id": run.growth_model_id,
        "growth_model": growth_service.ref_by_id(session, run.growth_model_id),
        "growth_drift": run.growth_drift,
        "input_fingerprint": run.input_fingerprint,
        "capacity": run.capacity,
        "firms_scored": run.firms_scored,
        "firms_eligible": run.firms_eligible,
        "ratings_used": run.ratings_used,
        "calibrated_ratings": run.calibrated_ratings,
        "sensitivity_draws": run.sensitivity_draws,
        "sensitivity_seed": run.sensitivity_seed,
        "criteria": run.criteria,
        "created_by": run.created_by,
        "created_at": run.created_at,
    }
