"""A scheme's reviewer-rated criteria and their rating ranges."""

from __future__ import annotations

import scoring
from scoring.scheme import Rating

__all__ = ["rated_criteria"]


def rated_criteria(scheme: scoring.Scheme) -> dict[str, Rating]:
    """Criterion id → its rating rule, for every criterion scored by reviewers."""
    return {
        c.id: c.rating for c in scheme.criteria if c.method == "rating" and c.rating is not None
    }
