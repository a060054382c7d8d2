"""Transparent, reproducible scoring of applicant firms under versioned schemes.

Frames and a scheme in, a ``ScoreResult`` out; no I/O except reading scheme files, no clock,
no globals, seeded randomness only.
"""

from scoring.bundled import list_bundled_schemes, load_bundled_scheme
from scoring.engine import score
from scoring.errors import SchemeError, ScoringError, ScoringInputError
from scoring.indicators import INDICATORS, derive_indicators
from scoring.result import ScoreResult
from scoring.scheme import Scheme, load_scheme, scheme_fingerprint, scheme_json_schema
from scoring.sensitivity import leave_one_out, weight_stability

__all__ = [
    "INDICATORS",
    "Scheme",
    "SchemeError",
    "ScoreResult",
    "ScoringError",
    "ScoringInputError",
    "derive_indicators",
    "leave_one_out",
    "list_bundled_schemes",
    "load_bundled_scheme",
    "load_scheme",
    "scheme_fingerprint",
    "scheme_json_schema",
    "score",
    "weight_stability",
]
