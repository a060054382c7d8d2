"""The evidence rule for activation, and the factor records an explanation shows."""

from __future__ import annotations

from typing import Any

import pytest

from scoring.growth.evidence import backtest_evidence
from scoring.growth.factors import factor_record


def _card(**backtest: Any) -> dict[str, Any]:
    summary = {"train_years": [2005, 2008], "test_years": [2009, 2010],
               "model": {"auc": 0.78}, "amount_only_baseline": {"auc": 0.75}}
    return {"backtest": {**summary, **backtest}}


def test_a_model_above_every_baseline_on_later_years_passes() -> None:
    evidence = backtest_evidence(_card(simple_baseline={"auc": 0.70}))
    assert evidence["passes"] is True
    assert evidence["baseline_auc"] == {"amount_only_baseline": 0.75, "simple_baseline": 0.70}
    assert evidence["test_years"] == [2009, 2010]


@pytest.mark.parametrize(
    ("card", "says"),
    [
        ({"metrics": {}}, "no time-split backtest"),
        (_card(test_years=[2008, 2009]), "not a time split"),
        (_card(test_years=None), "not a time split"),
        (_card(model={"auc": 0.75}), "does not beat amount_only_baseline 0.75"),
        (_card(simple_baseline={"auc": 0.79}), "does not beat simple_baseline 0.79"),
        (_card(model={}), "lacks the model's or a baseline's ROC AUC"),
        (_card(amount_only_baseline={"auc": None}), "lacks the model's or a baseline's"),
    ],
)
def test_no_backtest_a_leaky_split_or_a_tie_is_no_evidence(card: dict[str, Any],
                                                          says: str) -> None:
    evidence = backtest_evidence(card)
    assert evidence["passes"] is False
    assert says in evidence["reason"]


def test_a_factor_says_its_value_and_direction_in_both_languages() -> None:
    up = factor_record("log_revenue", 13.815511557963774, 0.4213)  # ln(1 + 999,999)
    assert up["value"] == pytest.approx(13.8155, abs=1e-4)
    assert up["contribution"] == 0.4213
    assert up["text_en"] == ("Revenue (yuan) of 1,000,000 raises the growth probability "
                             "(+0.42 log-odds)")
    assert up["text_zh"] == "营业收入（元）为1,000,000，提高成长概率（对数几率 +0.42）"
    # The Crunchbase amount is log10 of US dollars, not ln(1 + x): 6.0 is a $1,000,000 round.
    amount = factor_record("log_amount", 6.0, 0.3)
    assert amount["text_en"].startswith("First-round amount (USD) of 1,000,000 raises")
    down = factor_record("rd_intensity", 0.031, -0.2)
    assert down["text_en"] == "R&D intensity of 3.1% lowers the growth probability (-0.20 log-odds)"
    missing = factor_record("debt_ratio", float("nan"), 0.1)
    assert missing["value"] is None
    assert missing["text_en"].startswith("Debt ratio not reported raises")
    assert missing["text_zh"].startswith("资产负债率未填报，提高")
    category = factor_record("sector", "ai", 0.05)
    assert category["value"] == "ai"
    assert category["text_en"].startswith("Sector of ai raises")
    unknown = factor_record("made_up", 2.0, 0.0)
    assert unknown["name_en"] == "made_up"
