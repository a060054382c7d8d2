"""The scoring library's input frames, read from the database for a set of firms."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from scoring.vocabulary import FILING_FIELDS
from service.models import Filing, Firm, FundingRound

__all__ = ["IN_CHUNK", "ScoringFrames", "frames_fingerprint", "load_scoring_frames"]

# Bind-parameter limits (SQLite 32,766; PostgreSQL 65,535) leave room for 10,000 per IN list.
IN_CHUNK = 10_000
_FIGURES = [f.name for f in FILING_FIELDS]
FIRM_COLUMNS = [
    "uscc",
    "name",
    "name_en",
    "founded_on",
    "sector",
    "sub_segment",
    "listed",
    "region",
]
FILING_COLUMNS = ["uscc", "fiscal_year", *_FIGURES]
FUNDING_COLUMNS = ["uscc", "announced_on", "stage", "amount", "post_money_valuation"]


@dataclass(frozen=True, slots=True)
class ScoringFrames:
    """``firms``, ``filings`` (fiscal years ended by the reference date) and ``funding_rounds``
    (announced by it), each sorted by its key so equal data give equal frames."""

    firms: pd.DataFrame
    filings: pd.DataFrame
    funding_rounds: pd.DataFrame


def _chunks(values: Sequence[str]) -> Iterator[list[str]]:
    ordered = sorted(set(values))
    for start in range(0, len(ordered), IN_CHUNK):
        yield ordered[start : start + IN_CHUNK]


def _rows(session: Session, query: Select[Any], column: Any, usccs: Sequence[str]) -> list[Any]:
    """Rows of ``query`` restricted to ``usccs``, one ``IN`` query per chunk of 10,000."""
    rows: list[Any] = []
    for chunk in _chunks(usccs):
        rows.extend(session.execute(query.where(column.in_(chunk))).all())
    return rows


def _last_fiscal_year(reference_date: dt.date) -> int:
    """Fiscal year Y ends on 31 December of Y; it counts once that day is on or before R."""
    return (
        reference_date.year
        if (reference_date.month, reference_date.day) == (12, 31)
        else (reference_date.year - 1)
    )


def load_scoring_frames(
    session: Session, usccs: Sequence[str], *, reference_date: dt.date | None
) -> ScoringFrames:
    """Firms, filings and funding rounds of ``usccs`` as of ``reference_date`` (None: all)."""
    firms = pd.DataFrame(
        _rows(session, select(*(getattr(Firm, c) for c in FIRM_COLUMNS)), Firm.uscc, usccs),
        columns=FIRM_COLUMNS,
    )
    filing_query = select(*(getattr(Filing, c) for c in FILING_COLUMNS))
    funding_query = select(*(getattr(FundingRound, c) for c in FUNDING_COLUMNS))
    if reference_date is not None:
        filing_query = filing_query.where(Filing.fiscal_year <= _last_fiscal_year(reference_date))
        funding_query = funding_query.where(FundingRound.announced_on <= reference_date)
    filings = pd.DataFrame(_rows(session, filing_query, Filing.uscc, usccs), columns=FILING_COLUMNS)
    funding = pd.DataFrame(
        _rows(session, funding_query, FundingRound.uscc, usccs), columns=FUNDING_COLUMNS
    )
    firms["founded_on"] = pd.to_datetime(firms["founded_on"])
    firms["listed"] = firms["listed"].astype(bool)
    filings["fiscal_year"] = filings["fiscal_year"].astype("int64")
    filings[_FIGURES] = filings[_FIGURES].astype("float64")
    funding["announced_on"] = pd.to_datetime(funding["announced_on"])
    funding[["amount", "post_money_valuation"]] = funding[
        ["amount", "post_money_valuation"]
    ].astype("float64")
    return ScoringFrames(
        firms=firms.sort_values("uscc", ignore_index=True),
        filings=filings.sort_values(["uscc", "fiscal_year"], ignore_index=True),
        funding_rounds=funding.sort_values(["uscc", "announced_on", "stage"], ignore_index=True),
    )


def frames_fingerprint(*frames: pd.DataFrame | None, extra: Sequence[str] = ()) -> str:
    """SHA-256 over the frames' canonical CSV (rows as given, floats in repr) and ``extra``.

    The caller sorts each frame by its key first, so equal inputs give equal fingerprints.
    """
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(b"\x1e")
        if frame is None:
            digest.update(b"<none>")
            continue
        digest.update(
            frame.to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%d").encode("utf-8")
        )
    for text in extra:
        digest.update(b"\x1f" + text.encode("utf-8"))
    return digest.hexdigest()
