"""One explanation builder: ``explain(uscc)`` is that firm's record of ``explain_all``."""

from __future__ import annotations

import datetime as dt

import pytest

import scoring
import seed_data.schemes
from scoring.explanations import explain_all
from seed_data.demo import load


@pytest.mark.parametrize("scheme_id", ["seed", "leader", "hidden-champion", "tsme-2017"])
def test_explain_all_equals_explain_for_every_firm(scheme_id: str) -> None:
    data = load()
    firms = data.firms.head(120)
    indicators = scoring.derive_indicators(
        firms,
        data.filings,
        data.funding_rounds,
        reference_date=dt.date(2025, 12, 31),
        usd_cny=7.2,
    )
    scheme = seed_data.schemes.load_bundled_scheme(scheme_id)
    result = scoring.score(scheme, indicators, capacity=10)
    order = sorted(
        range(len(result.firms)),
        key=lambda i: (result.rank[i] == 0, result.rank[i], str(result.firms[i])),
    )
    reference = [scoring.explain(result, str(result.firms[i])) for i in order]
    assert explain_all(result) == reference
