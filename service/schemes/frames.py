"""Candidate rows (the intake contract) as the scoring library's input frames."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from schemas.intake import NominationRow
from schemas.uscc import uscc_region
from scoring.vocabulary import FILING_FIELDS

__all__ = ["frames_from_rows"]

_FIGURES = [f.name for f in FILING_FIELDS]


def frames_from_rows(
    rows: Sequence[NominationRow],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(firms, filings, funding_rounds)`` from rows of one firm and fiscal year each."""
    firms: dict[str, dict[str, object]] = {}
    filings: list[dict[str, object]] = []
    rounds: dict[tuple[str, object, str], dict[str, object]] = {}
    for row in rows:
        firms[row.uscc] = {
            "uscc": row.uscc,
            "name": row.name,
            "founded_on": pd.Timestamp(row.founded_on),
            "sector": row.sector,
            "sub_segment": row.sub_segment,
            "listed": row.listed,
            "region": uscc_region(row.uscc),
        }
        if row.fiscal_year is not None:
            filings.append(
                {
                    "uscc": row.uscc,
                    "fiscal_year": row.fiscal_year,
                    **{name: getattr(row, name) for name in _FIGURES},
                }
            )
        if row.round_date is not None and row.round_stage is not None:
            rounds[(row.uscc, row.round_date, row.round_stage)] = {
                "uscc": row.uscc,
                "announced_on": pd.Timestamp(row.round_date),
                "stage": row.round_stage,
                "amount": row.round_amount,
                "post_money_valuation": row.round_valuation,
            }
    firm_frame = pd.DataFrame(
        list(firms.values()),
        columns=["uscc", "name", "founded_on", "sector", "sub_segment", "listed", "region"],
    )
    filing_frame = pd.DataFrame(filings, columns=["uscc", "fiscal_year", *_FIGURES])
    filing_frame[_FIGURES] = filing_frame[_FIGURES].astype("float64")
    round_frame = pd.DataFrame(
        list(rounds.values()),
        columns=["uscc", "announced_on", "stage", "amount", "post_money_valuation"],
    )
    round_frame[["amount", "post_money_valuation"]] = round_frame[
        ["amount", "post_money_valuation"]
    ].astype("float64")
    return firm_frame, filing_frame, round_frame
