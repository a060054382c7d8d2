"""Deterministic SYNTHETIC demo data: Haidian firms, their yearly filings and funding rounds.

Nothing here describes a real firm. English names start with "Synthetic", every firm row carries
``synthetic = True``, and every organisation code starts with the marker letter ``Y`` so a code
from this package is recognisable at a glance. Metrics computed on these data prove only that the
code runs.

``tables`` holds the fixed tables (sector profiles, name banks, funding terms, columns),
``simulation`` draws firms, filings and funding rounds from them with one seeded generator (the
codes' check characters come from ``schemas.uscc``), ``dataset`` writes and reads the committed
CSV files beside this module, and ``python -m seed_data.demo --out seed_data/demo`` regenerates
them.
"""

from seed_data.demo.dataset import DemoData, candidate_rows, load, write
from seed_data.demo.simulation import generate, scale_rows
from seed_data.demo.tables import (
    CANDIDATE_COLUMNS,
    COHORT_BY_STAGE,
    DEFAULT_SEED,
    FIRM_COLUMNS,
    FISCAL_YEARS,
    FUNDING_COLUMNS,
    HAIDIAN_REGION,
    HISTORY_STREAM,
    HISTORY_YEARS,
    ORGANISATION_CODE_MARK,
    REFERENCE_DATE,
    STAGE_HINTS,
)

__all__ = [
    "CANDIDATE_COLUMNS",
    "COHORT_BY_STAGE",
    "DEFAULT_SEED",
    "FIRM_COLUMNS",
    "FISCAL_YEARS",
    "FUNDING_COLUMNS",
    "HAIDIAN_REGION",
    "HISTORY_STREAM",
    "HISTORY_YEARS",
    "ORGANISATION_CODE_MARK",
    "REFERENCE_DATE",
    "STAGE_HINTS",
    "DemoData",
    "candidate_rows",
    "generate",
    "load",
    "scale_rows",
    "write",
]
