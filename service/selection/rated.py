"""A scheme's reviewer-rated criteria, their rating ranges, and how many ratings they need."""

from __future__ import annotations

import scoring
from scoring.scheme import Rating
from service.models import SelectionRound

__all__ = ["AWAITING_FLAG", "awaiting_ratings", "rated_criteria", "ratings_required"]

AWAITING_FLAG = "awaiting-ratings:"  # the prefix of scoring's per-criterion completeness flag


def rated_criteria(scheme: scoring.Scheme) -> dict[str, Rating]:
    """Criterion id → its rating rule, for every criterion scored by reviewers."""
    return {
        c.id: c.rating for c in scheme.criteria if c.method == "rating" and c.rating is not None
    }


def ratings_required(selection_round: SelectionRound) -> int:
    """Ratings a criterion needs where its scheme does not say: the round's reviewers per
    nomination, the programme's default of 3 until rounds record that number."""
    del selection_round  # read its reviewers_per_nomination once rounds carry it
    return scoring.DEFAULT_RATINGS_REQUIRED


def awaiting_ratings(flags: list[str]) -> list[str]:
    """The completeness flags among a scored firm's flags (empty when its ratings are complete)."""
    return [flag for flag in flags if flag.startswith(AWAITING_FLAG)]
