"""Transparent, reproducible scoring of applicant firms under versioned schemes.

Frames and a scheme in, a ``ScoreResult`` out; no I/O except reading a scheme file it is
given (``load_scheme``) and the growth data sources (``scoring.growth.sources``), no clock,
no globals, seeded randomness only. The bundled schemes live in ``seed_data.schemes``.
"""

from scoring import explanations
from scoring.engine import DEFAULT_RATINGS_REQUIRED, score
from scoring.errors import SchemeError, ScoringError, ScoringInputError
from scoring.explanations import explain, explain_all
from scoring.indicators import INDICATORS, derive_indicators
from scoring.ratings import keyed_ratings
from scoring.result import ScoreResult
from scoring.scheme import Scheme, load_scheme, scheme_fingerprint, scheme_json_schema
from scoring.sensitivity import leave_one_out, weight_stability

__all__ = [
    "DEFAULT_RATINGS_REQUIRED",
    "INDICATORS",
    "Scheme",
    "SchemeError",
    "ScoreResult",
    "ScoringError",
    "ScoringInputError",
    "derive_indicators",
    "explain",
    "explain_all",
    "explanations",
    "keyed_ratings",
    "leave_one_out",
    "load_scheme",
    "scheme_fingerprint",
    "scheme_json_schema",
    "score",
    "weight_stability",
]
