"""The chair's decisions: select, waitlist or reject, with overrides explained.

The capacity line is the latest score run's: a firm is *inside* it when it passed and ranks
within the cohort's capacity among passing firms. An **override** is selecting a firm outside
the line, or rejecting or waitlisting one inside it; it is refused without a reason. So is
selecting a firm whose ratings are incomplete: for a nomination with assigned reviewers, some of
them have not yet rated every reviewer-rated criterion (checked live, so ratings given since the
run count); for one without, the latest run flagged it ``awaiting-ratings:…``.

Capacity and "one cohort per firm and round" hold under concurrent requests: the round's row is
locked first (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite write transactions already begin
``IMMEDIATE``), so decisions of one round are recorded one transaction at a time, and the
database keeps one decision per firm and round (``uq_decisions_round_firm``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from schemas.selection import DecisionIn
from service import audit
from service.bulk import upsert_rows
from service.errors import Conflict, NotFound, ValidationFailed
from service.keys import Principal
from service.models import Decision, Nomination, ScoreResultRow, ScoreRun, StoredScheme, utcnow
from service.rounds import service as rounds_service
from service.schemes import service as schemes_service
from service.selection import rated
from service.selection.assignments import service as assignments_service
from service.selection.publication import service as publication_service
from service.selection.runs import service as runs_service

__all__ = ["awaiting_ratings", "is_override", "record"]


def is_override(outcome: str, *, within_capacity: bool) -> bool:
    """Whether deciding ``outcome`` for a firm inside (or outside) the capacity line overrides it:
    selecting outside, or waitlisting or rejecting inside."""
    return (outcome == "select") != within_capacity


def record(
    session: Session,
    principal: Principal,
    *,
    round_id: int,
    cohort: str,
    decisions: Sequence[DecisionIn],
) -> list[Decision]:
    """Record the decisions all or nothing; 409 past capacity or for another cohort's firm."""
    selection_round = rounds_service.get_or_raise(session, round_id, for_update=True)
    rounds_service.require_state(selection_round, "scoring", "decided", doing="recording decisions")
    run = runs_service.latest(session, round_id=round_id, cohort=cohort)
    if run is None:
        raise Conflict(f"Round {round_id} has no {cohort!r} score run; score it before deciding.")
    ids = [d.nomination_id for d in decisions]
    if len(set(ids)) != len(ids):
        raise ValidationFailed(
            "Each nomination may appear once per request.",
            errors=[{"loc": ["body", "decisions"], "message": "duplicate nomination_id"}],
        )
    nominations = {
        n.id: n
        for n in session.scalars(select(Nomination).where(Nomination.id.in_(ids)))
        if n.round_id == round_id
    }
    missing = [i for i in ids if i not in nominations]
    if missing:
        raise NotFound(f"Round {round_id} has no nomination(s) {missing[:10]}.")
    elsewhere = [n for n in nominations.values() if n.cohort != cohort]
    if elsewhere:
        first = elsewhere[0]
        raise Conflict(
            f"Firm {first.uscc} is nominated for {first.cohort!r}, not {cohort!r}; a firm is "
            "decided (and selected) in one cohort per round.",
            extra={"nomination_ids": [n.id for n in elsewhere]},
        )
    scored = _scored(session, run, ids)
    unscored = [i for i in ids if i not in scored]
    if unscored:
        raise Conflict(f"Nomination(s) {unscored[:10]} are not in the latest run {run.id}.")

    errors: list[dict[str, Any]] = []
    overrides: set[int] = set()
    for i, decision in enumerate(decisions):
        inside = scored[decision.nomination_id].within_capacity
        if is_override(decision.outcome, within_capacity=inside):
            overrides.add(decision.nomination_id)
            if decision.reason is None:
                where = "outside" if decision.outcome == "select" else "inside"
                errors.append(
                    {
                        "loc": ["body", "decisions", i, "reason"],
                        "message": f"{decision.outcome} of a firm {where} the capacity line "
                        f"(rank {scored[decision.nomination_id].rank}) is an override "
                        "and needs a reason",
                    }
                )
    selected = [d.nomination_id for d in decisions if d.outcome == "select"]
    awaiting = _awaiting_ratings(session, run, scored, selected)
    for i, decision in enumerate(decisions):
        reasonless_select = decision.outcome == "select" and decision.reason is None
        if reasonless_select and decision.nomination_id in awaiting:
            errors.append(
                {
                    "loc": ["body", "decisions", i, "reason"],
                    "message": f"selecting a firm whose ratings are incomplete "
                    f"({awaiting[decision.nomination_id]}) needs a reason",
                }
            )
    if errors:
        raise ValidationFailed(
            "An override, or a selection with incomplete ratings, needs a written reason.",
            errors=errors,
        )

    current = publication_service.current_memberships(
        session,
        [nominations[d.nomination_id].uscc for d in decisions if d.outcome == "select"],
        on=utcnow().date(),
    )
    for i, decision in enumerate(decisions):
        held = current.get(nominations[decision.nomination_id].uscc)
        if decision.outcome == "select" and held is not None and not decision.moves:
            raise Conflict(
                f"Firm {held.uscc} is a current member of {held.cohort!r} (round {held.round_id}, "
                f"valid {held.valid_from} to {held.valid_until}); a firm is a current member of "
                "one cohort at a time. Select it with \"moves\": true if it graduates.",
                extra={
                    "membership": publication_service.membership_ref(held),
                    "loc": ["body", "decisions", i, "moves"],
                },
            )

    selected_now = (
        session.scalar(
            select(func.count())
            .select_from(Decision)
            .where(
                Decision.round_id == round_id,
                Decision.cohort == cohort,
                Decision.outcome == "select",
                Decision.nomination_id.not_in(ids),
            )
        )
        or 0
    )
    selecting = sum(1 for d in decisions if d.outcome == "select")
    capacity = rounds_service.capacity(selection_round, cohort)
    if selected_now + selecting > capacity:
        raise Conflict(
            f"Cohort {cohort!r} holds at most {capacity} firms in round {round_id}; "
            f"{selected_now} are selected and this would add {selecting}.",
            extra={"capacity": capacity, "selected": selected_now},
        )

    now = utcnow()
    upsert_rows(
        session,
        Decision,
        [
            {
                "round_id": round_id,
                "nomination_id": d.nomination_id,
                "uscc": nominations[d.nomination_id].uscc,
                "cohort": cohort,
                "outcome": d.outcome,
                "reason": d.reason,
                "override": d.nomination_id in overrides,
                "moves": d.moves and d.outcome == "select",
                "run_id": run.id,
                "rank_at_decision": scored[d.nomination_id].rank,
                "decided_by": principal.label,
                "created_at": now,
                "updated_at": now,
            }
            for d in decisions
        ],
        conflict_columns=("nomination_id",),
        update_columns=(
            "outcome",
            "reason",
            "override",
            "moves",
            "run_id",
            "rank_at_decision",
            "decided_by",
            "updated_at",
        ),
    )
    for action, chosen in (
        ("decision.record", [d for d in decisions if d.nomination_id not in overrides]),
        ("decision.override", [d for d in decisions if d.nomination_id in overrides]),
    ):
        for d in chosen:
            audit.record(
                session,
                principal,
                action=action,
                target_type="nomination",
                target_id=d.nomination_id,
                reason=d.reason,
                detail={
                    "round_id": round_id,
                    "cohort": cohort,
                    "outcome": d.outcome,
                    "uscc": nominations[d.nomination_id].uscc,
                    "run_id": run.id,
                    "rank": scored[d.nomination_id].rank,
                    "within_capacity": scored[d.nomination_id].within_capacity,
                    "awaiting_ratings": awaiting.get(d.nomination_id),
                },
            )
    session.flush()
    return list(
        session.scalars(
            select(Decision).where(Decision.nomination_id.in_(ids)).order_by(Decision.nomination_id)
        )
    )


def awaiting_ratings(
    session: Session, *, round_id: int, cohort: str, nomination_ids: Sequence[int]
) -> dict[int, str]:
    """Nomination id → what its ratings lack, for those of ``nomination_ids`` in the cohort's
    latest run: the check ``record`` makes before selecting them without a reason."""
    run = runs_service.latest(session, round_id=round_id, cohort=cohort)
    if run is None or not nomination_ids:
        return {}
    scored = _scored(session, run, nomination_ids)
    return _awaiting_ratings(session, run, scored, list(scored))


def _scored(
    session: Session, run: ScoreRun, nomination_ids: Sequence[int]
) -> dict[int, ScoreResultRow]:
    """Nomination id → its row in ``run``, for those of ``nomination_ids`` the run scored."""
    return {
        r.nomination_id: r
        for r in session.scalars(
            select(ScoreResultRow).where(
                ScoreResultRow.run_id == run.id,
                ScoreResultRow.nomination_id.in_(list(nomination_ids)),
            )
        )
    }


def _awaiting_ratings(
    session: Session,
    run: ScoreRun,
    scored: dict[int, ScoreResultRow],
    selected: Sequence[int],
) -> dict[int, str]:
    """Nomination id → what its ratings lack, for the ``selected`` firms: live from the
    assignments where the nomination has assigned reviewers, from the run's flags otherwise."""
    stored_scheme = session.get(StoredScheme, run.scheme_pk)
    assert stored_scheme is not None  # a foreign key with ON DELETE RESTRICT
    live = assignments_service.missing_ratings(
        session,
        nomination_ids=selected,
        criteria=list(rated.rated_criteria(schemes_service.to_scheme(stored_scheme))),
    )
    assigned = assignments_service.with_assignments(session, nomination_ids=selected)
    from_run = {
        n: text
        for n in selected
        if n not in assigned and (text := _awaiting(scored[n])) is not None
    }
    return live | from_run


def _awaiting(row: ScoreResultRow) -> str | None:
    """What the firm's ratings lacked in the run ("awaiting ratings: 2 of 3"), None if nothing."""
    if not rated.awaiting_ratings(list(row.flags)):
        return None
    ratings = row.explanation.get("ratings") or {}
    return str(ratings.get("awaiting") or "awaiting ratings")
