"""Drift watch: do the firms being scored still look like the firms the model learned from?

At training, ``reference`` records each feature's distribution over the training rows:

- numeric: the inner cut points e_1 < … < e_m of its deciles (duplicates dropped), so bin b
  holds e_b < x ≤ e_{b+1} (e_0 = −∞, e_{m+1} = +∞), plus one bin for missing values; the shares
  of the training rows in those m + 2 bins; and the training minimum and maximum;
- categorical: the shares of its (at most 20) most frequent values, one bin for every other
  value, and one for missing values.

``compare`` puts a pool's rows into the same bins and computes, per feature, the population
stability index

    PSI = Σ_b (a_b − e_b) · ln(a_b / e_b)

with e_b the training share and a_b the pool share of bin b, each floored at ε = 10⁻⁴ so an
empty bin counts as tiny instead of infinite; and the share of the pool's known values outside
the training range (numeric: below the minimum or above the maximum; categorical: a value
training never saw). Thresholds (the usual convention for PSI): a feature with PSI ≤ 0.1 is
stable, 0.1 < PSI ≤ 0.25 a moderate shift, PSI > 0.25 a major shift. The pool has *drifted*
(the run is flagged) when at least one feature shows a major shift.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from scoring.growth.factors import feature_name

__all__ = [
    "BINS",
    "MAJOR",
    "MODERATE",
    "compare",
    "feature_level",
    "psi",
    "reference",
]

BINS: Final = 10
MODERATE: Final = 0.1
MAJOR: Final = 0.25
_EPSILON: Final = 1e-4
_TOP_CATEGORIES: Final = 20
_OTHER: Final = "__other__"
_FEW_FIRMS: Final = 50


def psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    """Return Σ (a − e) · ln(a / e) over bins, both shares floored at 10⁻⁴ (module docstring)."""
    e = np.maximum(np.asarray(expected, dtype=float), _EPSILON)
    a = np.maximum(np.asarray(actual, dtype=float), _EPSILON)
    if e.shape != a.shape:
        raise ValueError(f"{e.size} expected shares but {a.size} actual shares")
    return float(np.sum((a - e) * np.log(a / e)))


def feature_level(value: float) -> str:
    """``major`` above 0.25, ``moderate`` above 0.1, else ``stable``."""
    if value > MAJOR:
        return "major"
    if value > MODERATE:
        return "moderate"
    return "stable"


def _numeric_shares(values: pd.Series, edges: Sequence[float]) -> list[float]:
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    known = numbers[~np.isnan(numbers)]
    counts = np.bincount(np.searchsorted(np.asarray(edges, dtype=float), known, side="left"),
                         minlength=len(edges) + 1).astype(float)
    shares = np.append(counts, float(np.isnan(numbers).sum())) / max(len(numbers), 1)
    return [float(s) for s in shares]


def _categorical_shares(values: pd.Series, categories: Sequence[str]) -> list[float]:
    missing = values.isna()
    text = values[~missing].astype(str)
    counts = [float((text == c).sum()) for c in categories]
    counts.append(float((~text.isin(list(categories))).sum()))
    counts.append(float(missing.sum()))
    return [c / max(len(values), 1) for c in counts]


def reference(frame: pd.DataFrame, features: Sequence[str], *, bins: int = BINS
              ) -> dict[str, Any]:
    """Per feature of the training rows ``frame``: its bins, their shares and its range."""
    out: dict[str, Any] = {}
    for feature in features:
        column = frame[feature]
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            numbers = pd.to_numeric(column, errors="coerce").dropna()
            quantiles = (numbers.quantile(np.arange(1, bins) / bins).to_numpy()
                         if len(numbers) else np.array([]))
            edges = [float(e) for e in np.unique(quantiles)]
            out[feature] = {
                "kind": "numeric",
                "edges": edges,
                "shares": [round(s, 6) for s in _numeric_shares(column, edges)],
                "min": float(numbers.min()) if len(numbers) else None,
                "max": float(numbers.max()) if len(numbers) else None,
            }
        else:
            counts = column.dropna().astype(str).value_counts()
            categories = sorted(counts.index[:_TOP_CATEGORIES].tolist())
            out[feature] = {
                "kind": "categorical",
                "categories": categories,
                "shares": [round(s, 6) for s in _categorical_shares(column, categories)],
                "seen": sorted(counts.index.tolist()),
            }
    return {"method": f"deciles of the training rows (numeric), top {_TOP_CATEGORIES} values "
                      "(categorical), each with a missing-value bin",
            "n": len(frame), "features": out}


def _outside(column: pd.Series, entry: Mapping[str, Any]) -> float:
    known = column.dropna()
    if not len(known):
        return 0.0
    if entry["kind"] == "numeric":
        numbers = pd.to_numeric(known, errors="coerce")
        if entry["min"] is None:
            return 1.0
        return float(((numbers < entry["min"]) | (numbers > entry["max"])).mean())
    return float((~known.astype(str).isin(entry["seen"])).mean())


def compare(ref: Mapping[str, Any], pool: pd.DataFrame) -> dict[str, Any]:
    """The pool against the training reference: PSI and outside-range share per feature, the
    level, whether the pool has drifted, and a sentence in English and in Chinese."""
    rows: list[dict[str, Any]] = []
    for feature, entry in ref.get("features", {}).items():
        if feature not in pool.columns:
            continue
        column = pool[feature]
        shares = (_numeric_shares(column, entry["edges"]) if entry["kind"] == "numeric"
                  else _categorical_shares(column, entry["categories"]))
        value = psi(entry["shares"], shares) if len(pool) else 0.0
        rows.append({
            "feature": feature,
            "psi": round(value, 4),
            "outside_range": round(_outside(column, entry), 4),
            "missing_share": round(float(column.isna().mean()) if len(pool) else 0.0, 4),
            "level": feature_level(value),
        })
    rows.sort(key=lambda r: (-r["psi"], r["feature"]))
    major = [r for r in rows if r["level"] == "major"]
    moderate = [r for r in rows if r["level"] == "moderate"]
    level = "major" if major else "moderate" if moderate else "stable"
    en, zh = _sentences(len(pool), major, moderate)
    return {
        "n_pool": len(pool),
        "n_reference": int(ref.get("n", 0)),
        "thresholds": {"moderate": MODERATE, "major": MAJOR},
        "rule": "drifted when any feature's PSI > 0.25 (major); 0.1 < PSI ≤ 0.25 is moderate",
        "level": level,
        "drifted": bool(major),
        "max_psi": rows[0]["psi"] if rows else 0.0,
        "features": rows,
        "summary_en": en,
        "summary_zh": zh,
    }


def _listed(rows: list[dict[str, Any]], *, zh: bool) -> str:
    parts = [f"{feature_name(r['feature'], zh=zh)} {r['psi']:.2f}" for r in rows[:5]]
    more = len(rows) - 5
    if more > 0:
        parts.append(f"另 {more} 项" if zh else f"{more} more")
    return ("、" if zh else ", ").join(parts)


def _sentences(n: int, major: list[dict[str, Any]], moderate: list[dict[str, Any]]
               ) -> tuple[str, str]:
    """What the figures say, in English and Chinese."""
    if major:
        en = (f"Drifted: the {n} firms scored differ strongly from the training data on "
              f"{len(major)} feature(s) (PSI > 0.25): {_listed(major, zh=False)}. Read the "
              "growth probabilities with care.")
        zh = (f"数据漂移：本次评分的 {n} 家企业在 {len(major)} 个特征上与训练数据差异显著"
              f"（PSI > 0.25）：{_listed(major, zh=True)}。成长概率请谨慎参考。")
    elif moderate:
        en = (f"Moderate shift on {len(moderate)} feature(s) (0.1 < PSI ≤ 0.25): "
              f"{_listed(moderate, zh=False)}; no feature shifts strongly.")
        zh = (f"{len(moderate)} 个特征有中度偏移（0.1 < PSI ≤ 0.25）："
              f"{_listed(moderate, zh=True)}；无显著漂移。")
    else:
        en = f"Stable: the {n} firms scored look like the training data (every PSI ≤ 0.1)."
        zh = f"稳定：本次评分的 {n} 家企业与训练数据分布一致（各特征 PSI ≤ 0.1）。"
    if n < _FEW_FIRMS:
        en += f" Only {n} firms: PSI is noisy on so few."
        zh += f" 仅 {n} 家企业，PSI 波动较大。"
    return en, zh
