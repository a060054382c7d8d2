"""Whether a model's card shows evidence for activating it, read from the card alone (no model
code, so checking a stored model loads no scikit-learn)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

__all__ = ["EVIDENCE_RULE", "backtest_evidence"]

EVIDENCE_RULE: Final = (
    "a model is activated on evidence when its card holds a time-split backtest (every test year "
    "after the last training year) in which its ROC AUC on the test years is above every "
    "baseline's (the amount-only or simple baseline) on the same years")


def _years(value: Any) -> list[int]:
    if isinstance(value, int):
        return [value]
    if isinstance(value, list | tuple):
        return [int(v) for v in value if isinstance(v, int)]
    return []


def backtest_evidence(card: Mapping[str, Any]) -> dict[str, Any]:
    """Whether the card's backtest shows the model beating its baseline (``EVIDENCE_RULE``),
    with the figures compared and, when it does not, why."""
    summary = card.get("backtest")
    out: dict[str, Any] = {"rule": EVIDENCE_RULE, "passes": False}
    if not isinstance(summary, Mapping):
        return {**out, "reason": "the card holds no time-split backtest"}
    train, test = _years(summary.get("train_years")), _years(summary.get("test_years"))
    if not train or not test or min(test) <= max(train):
        return {**out, "reason": f"the backtest is not a time split (train years {train}, "
                                 f"test years {test})"}
    model_auc = (summary.get("model") or {}).get("auc")
    baselines = {name: entry.get("auc") for name, entry in summary.items()
                 if name.endswith("baseline") and isinstance(entry, Mapping)}
    known = {name: auc for name, auc in baselines.items() if isinstance(auc, int | float)}
    if not isinstance(model_auc, int | float) or not known:
        return {**out, "reason": "the backtest lacks the model's or a baseline's ROC AUC"}
    out.update(model_auc=model_auc, baseline_auc=known, test_years=test)
    beaten = [name for name, auc in known.items() if auc >= model_auc]
    if beaten:
        return {**out, "reason": f"ROC AUC {model_auc} on test years {test} does not beat "
                                 + ", ".join(f"{n} {known[n]}" for n in beaten)}
    return {**out, "passes": True, "reason": f"ROC AUC {model_auc} on test years {test} beats "
                                            + ", ".join(f"{n} {a}" for n, a in known.items())}
