"""The demo data set: its three frames, their committed CSV files, its view as a candidate list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import pandas as pd

from seed_data.demo.tables import (
    CANDIDATE_COLUMNS,
    COHORT_BY_STAGE,
    FILES,
    FIRM_COLUMNS,
    FUNDING_COLUMNS,
    INTEGER_FIELDS,
    RATIO_FIELDS,
)

__all__ = ["DemoData", "candidate_rows", "load", "write"]


@dataclass(frozen=True, slots=True)
class DemoData:
    """The three synthetic frames: firm profiles, yearly filings and funding rounds."""

    firms: pd.DataFrame
    filings: pd.DataFrame
    funding_rounds: pd.DataFrame


def write(data: DemoData, out_dir: str | Path) -> list[Path]:
    """Write firms.csv, filings.csv and funding_rounds.csv (UTF-8, LF, fixed float format)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for attr, filename in FILES.items():
        path = out / filename
        frame: pd.DataFrame = getattr(data, attr)
        frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n",
                     float_format="%.4f")
        written.append(path)
    return written


def _read(source: Path | Traversable, filename: str) -> pd.DataFrame:
    """Read one committed CSV with the dtypes ``generate`` produces."""
    dtypes: dict[str, str] = {c: "str" for c in (*FIRM_COLUMNS, *FUNDING_COLUMNS)}
    dtypes.update({"listed": "bool", "synthetic": "bool", "fiscal_year": "int64",
                   "amount": "Int64", "post_money_valuation": "Int64"})
    dtypes.update({name: "Int64" for name in INTEGER_FIELDS})
    dtypes.update({name: "float64" for name in RATIO_FIELDS})
    with source.joinpath(filename).open("rb") as handle:
        return pd.read_csv(handle, dtype=dtypes, encoding="utf-8", keep_default_na=False,
                           na_values=[""])


def load(dir: str | Path | None = None) -> DemoData:
    """Read the committed demo data (default: the package's own ``seed_data/demo/``)."""
    source: Path | Traversable = (
        resources.files("seed_data").joinpath("demo") if dir is None else Path(dir)
    )
    return DemoData(
        firms=_read(source, FILES["firms"]),
        filings=_read(source, FILES["filings"]),
        funding_rounds=_read(source, FILES["funding_rounds"]),
    )


def candidate_rows(
    data: DemoData, *, fiscal_years: Sequence[int] = (2023, 2024, 2025)
) -> pd.DataFrame:
    """The demo data as a candidate list: one row per firm and filed fiscal year, with a cohort."""
    firms = data.firms.assign(cohort=data.firms["stage_hint"].map(COHORT_BY_STAGE).astype("str"))
    filings = data.filings[data.filings["fiscal_year"].isin(list(fiscal_years))]
    rows = firms.merge(filings, on="uscc", how="inner", validate="one_to_many")
    rows = rows.sort_values(["uscc", "fiscal_year"], kind="stable", ignore_index=True)
    return rows.loc[:, list(CANDIDATE_COLUMNS)]

