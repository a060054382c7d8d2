"""Typed builders of raw Crunchbase-shaped tables and small feature frames for growth tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

FIXTURES = Path(__file__).parent / "fixtures"


def read_fixture(name: str) -> pd.DataFrame:
    """Read one fixture file as published, every column as text."""
    return pd.read_csv(FIXTURES / name, lineterminator="\r", encoding="latin-1", dtype=str)


def company(permalink: str, *, category: str = "web", state: str = "CA",
            region: str = "SF Bay", founded_at: str = "", status: str = "operating"
            ) -> dict[str, str]:
    """One raw companies row with the leaky columns filled with plausible values."""
    return {"permalink": permalink, "name": permalink.rsplit("/", 1)[-1],
            "category_code": category, "funding_total_usd": "1000000", "status": status,
            "country_code": "USA", "state_code": state, "region": region, "city": "X",
            "funding_rounds": "1", "founded_at": founded_at, "first_funding_at": "",
            "last_funding_at": "", "last_milestone_at": ""}


def funding(permalink: str, round_type: str, funded_at: str, amount: str = "1000000"
            ) -> dict[str, str]:
    """One raw rounds row."""
    return {"company_permalink": permalink, "funding_round_type": round_type,
            "funded_at": funded_at, "raised_amount_usd": amount}


def acquisition(permalink: str, acquired_at: str, category: str = "web") -> dict[str, str]:
    """One raw acquisitions row."""
    return {"company_permalink": permalink, "acquired_at": acquired_at,
            "company_category_code": category}


def random_frame(n: int = 200, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """A mixed numeric/categorical frame whose label depends on two of its columns."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "a": rng.normal(size=n),
        "b": rng.normal(size=n),
        "sector": rng.choice(["ai", "fintech", "other"], size=n),
    })
    frame.loc[frame.index[:10], "b"] = np.nan
    logit = 1.5 * frame["a"].to_numpy() + (frame["sector"] == "ai").to_numpy() * 1.0
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return frame, y
