"""Everything a reader sees of a score result: the long frames, notes, flags and explanations.

One builder per thing: a gate's failure sentence is written by ``gate_reason`` alone, a firm's
explanation by ``explain_all`` alone (``explain`` picks one firm's record from the same
columns). Nothing here changes a result; it is all derived, on demand, from its arrays.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from scoring.result import GateTrace, ScoreResult
from scoring.scheme import GROWTH_CRITERION, GROWTH_PROBABILITY, Gate, scheme_fingerprint

__all__ = [
    "awaiting_ratings",
    "categories",
    "criteria",
    "explain",
    "explain_all",
    "flags",
    "gate_reason",
    "gates",
    "summary",
]

BoolArray = npt.NDArray[np.bool_]
ObjectArray = npt.NDArray[np.object_]

_POLICY_NOTES = {
    "zero": "missing: 0 points (policy zero)",
    "pool-median": "missing: pool median used (policy pool-median)",
    "exclude": "missing: firm excluded (policy exclude)",
}
_FLAG_SEPARATOR = "; "  # identifiers cannot contain it (scheme.Identifier)
AWAITING = "awaiting ratings: {given} of {required}"
AWAITING_ZH = "评分未齐：已评 {given} 份，共需 {required} 份"


def json_value(value: object) -> Any:
    """A JSON-safe Python value: NaN and NA become None, numpy scalars plain numbers."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


def gate_reason(gate: Gate, value: Any, missing: bool) -> str:
    """Why a firm failed ``gate``, given its JSON-safe ``value``."""
    if missing:
        return f"no value for {gate.indicator}"
    return f"{gate.indicator} = {value} fails {gate.op} {gate.value}"


def _gate_values(trace: GateTrace) -> list[Any]:
    return [json_value(v) for v in trace.values.to_numpy()]


def notes(result: ScoreResult) -> ObjectArray:
    """``(N, K)`` note per firm and criterion: missing-value policy, best-of choice, reviewer
    disagreement, and any per-firm text the criterion's input carried ("" when none)."""
    traces = result.traces
    n, k = len(result.firms), len(result.structure.criteria)
    out = np.full((n, k), "", dtype=object)
    scheme_criteria = {c.id: c for c in result.scheme.criteria}
    for j, cid in enumerate(result.structure.criteria):
        parts: list[ObjectArray] = []
        missing = traces.missing_columns[j]
        crit = scheme_criteria.get(cid)
        if missing.any():
            text = _POLICY_NOTES[traces.policies[j]]
            if traces.policies[j] == "pool-median":
                text += _median_note(float(traces.imputed_with[j]),
                                     per_alternative=crit is not None and bool(crit.best_of))
            parts.append(np.where(missing, text, ""))
        awaiting = _awaiting_column(result, cid)
        if awaiting is not None:
            parts.append(awaiting)
        if crit is not None and crit.best_of:
            names = np.array([""] + [a.id for a in crit.best_of], dtype=object)
            chosen = names[traces.chosen[:, j].astype(np.int64) + 1]
            parts.append(np.where(chosen != "", "best of: " + chosen.astype(str), ""))
        spread = traces.rating_spread.get(cid)
        if crit is not None and crit.rating is not None and spread is not None:
            limit = crit.rating.disagreement
            if limit is not None:
                with np.errstate(invalid="ignore"):
                    split = np.flatnonzero(spread > limit)
                # One text per distinct spread among the firms that disagree, not per firm.
                spreads, inverse = np.unique(spread[split], return_inverse=True)
                texts = np.array([f"reviewers disagree (spread {s:g} > {limit:g})"
                                  for s in spreads], dtype=object)
                disagree = np.full(n, "", dtype=object)
                disagree[split] = texts[inverse]
                parts.append(disagree)
        text_column = traces.notes.get(cid)
        if text_column is not None:
            parts.append(text_column)
        for part in parts:
            joined = np.where((out[:, j] != "") & (part != ""), "; ", "")
            out[:, j] = out[:, j] + joined + part.astype(object)
    return out


def _median_note(median: float, *, per_alternative: bool) -> str:
    """The imputed value, never ``None``: a pool without known values leaves the gap at 0."""
    if per_alternative:
        return " (per alternative)"
    if math.isnan(median):
        return ", but no firm of the pool has a value: 0 points"
    return f" = {json_value(median)}"


def _awaiting_column(result: ScoreResult, cid: str) -> ObjectArray | None:
    """``awaiting ratings: 2 of 3`` per firm short of ratings on rating criterion ``cid``."""
    status = result.ratings
    if status is None or cid not in status.criteria:
        return None
    r = status.criteria.index(cid)
    given, required = status.given[r], status.required[r]
    texts = np.array([AWAITING.format(given=g, required=required) for g in range(required)]
                     + [""], dtype=object)
    column: ObjectArray = texts[np.minimum(given, required)]
    return column


def awaiting_ratings(result: ScoreResult, *, zh: bool = False) -> ObjectArray:
    """Per firm, what its ratings still lack ("" when complete or unrated by design):
    ``awaiting ratings: 2 of 3`` when every rating criterion lacks the same, else each one
    named (``zh``: the same in Chinese)."""
    n = len(result.firms)
    out = np.full(n, "", dtype=object)
    status = result.ratings
    if status is None:
        return out
    incomplete = ~status.complete
    if not incomplete.any():
        return out
    # Each incomplete firm's shortfall as one integer, digit r (base required_r + 1) being
    # given_r + 1 where criterion r lacks ratings, else 0: few distinct codes, however many
    # firms, found by hashing (numpy's row-wise unique sorts structured rows, far slower).
    code = np.zeros(int(np.count_nonzero(incomplete)), dtype=np.int64)
    for given, required in zip(status.given, status.required, strict=True):
        short = given[incomplete]
        code *= required + 1
        code += np.where(short < required, short + 1, 0)
    inverse, combos = pd.factorize(code)
    template = AWAITING_ZH if zh else AWAITING
    texts: list[str] = []
    for combo in combos.tolist():
        digits: list[int] = []
        for required in reversed(status.required):
            combo, digit = divmod(combo, required + 1)
            digits.append(digit - 1)
        lacking = [(cid, g, req) for cid, g, req
                   in zip(status.criteria, reversed(digits), status.required, strict=True)
                   if g >= 0]
        if len(lacking) == len(status.criteria) and len({(g, q) for _, g, q in lacking}) == 1:
            texts.append(template.format(given=lacking[0][1], required=lacking[0][2]))
        else:
            texts.append(("；" if zh else "; ").join(
                f"{cid} {template.format(given=g, required=q)}" for cid, g, q in lacking))
    out[incomplete] = np.array(texts, dtype=object)[inverse]
    return out


def flag_texts(result: ScoreResult) -> ObjectArray:
    """Per firm, its flags joined by ``; `` in a fixed order ("" when none).

    Firms are grouped by the combination of flags they carry (few combinations, however many
    firms): each condition splits the groups in two, in O(N) numpy, and each combination's
    text is joined once.
    """
    group = np.zeros(len(result.firms), dtype=np.int64)
    combinations: list[tuple[str, ...]] = [()]

    def add(mask: BoolArray, text: str) -> None:
        nonlocal group, combinations
        if not mask.any():
            return
        key = group * 2 + mask  # group g splits into 2g (without) and 2g + 1 (with)
        present = np.zeros(2 * len(combinations), dtype=np.bool_)
        present[key] = True
        kept = np.flatnonzero(present)
        renumber = np.cumsum(present) - 1
        group = renumber[key]
        combinations = [combinations[k // 2] + ((text,) if k % 2 else ()) for k in kept]

    traces = result.traces
    for g in result.gate_traces:
        add(~g.passed, f"gate:{g.id}")
    for j, cid in enumerate(result.structure.criteria):
        add(traces.missing_columns[j], f"missing:{cid}({traces.policies[j]})")
    status = result.ratings
    if status is not None:
        for cid, given, required in zip(status.criteria, status.given, status.required,
                                        strict=True):
            for count in range(required):
                add(given == count, f"awaiting-ratings:{cid}({count} of {required})")
    scheme_criteria = {c.id: c for c in result.scheme.criteria}
    for cid, spread in traces.rating_spread.items():
        rating = scheme_criteria[cid].rating
        if rating is not None and rating.disagreement is not None:
            with np.errstate(invalid="ignore"):
                add(spread > rating.disagreement, f"disagreement:{cid}")
    for b, rule in enumerate(result.scheme.bypass):
        add(result.bypass_hits[:, b] & result.eligible, f"bypass:{rule.id}")
    for name, failure in result.minimum_failures.items():
        add(failure & result.eligible, f"below-minimum:{name}")
    for c, cat in enumerate(result.structure.categories):
        add(result.subtotals[:, c] > result.capped[:, c], f"capped:{cat}")
    texts = np.array([_FLAG_SEPARATOR.join(c) for c in combinations], dtype=object)
    joined: ObjectArray = texts[group]
    return joined


def flags(result: ScoreResult, i: int) -> list[str]:
    """Flags of the firm at position ``i`` (missing values, bypass, caps, minimums, gates)."""
    return _split_flags(flag_texts(result)[i])


def _split_flags(joined: object) -> list[str]:
    text = str(joined)
    return text.split(_FLAG_SEPARATOR) if text else []


def _minimum_met(result: ScoreResult) -> BoolArray:
    """``(N, C)`` true where the category's minimum holds (or it has none)."""
    met = np.ones(result.subtotals.shape, dtype=np.bool_)
    for j, cat in enumerate(result.structure.categories):
        failure = result.minimum_failures.get(f"category:{cat}")
        if failure is not None:
            met[:, j] = ~failure
    return met


def _criterion_categories(result: ScoreResult) -> list[str]:
    structure = result.structure
    return [structure.categories[int(np.argmax(structure.membership[j]))]
            for j in range(len(structure.criteria))]


def summary(result: ScoreResult) -> pd.DataFrame:
    """Per uscc: eligible, bypassed, total, passed, rank (NA when ineligible), within capacity
    (given one), rating completeness (schemes with rating criteria), flags."""
    frame = pd.DataFrame({
        "eligible": result.eligible,
        "bypassed": result.bypassed,
        "total": result.total,
        "passed": result.passed,
        "rank": pd.array(np.where(result.rank > 0, result.rank, 0), dtype="Int64"),
    }, index=result.firms)
    frame.loc[result.rank == 0, "rank"] = pd.NA
    if result.within_capacity is not None:
        frame["within_capacity"] = result.within_capacity
    if result.ratings is not None:
        frame["ratings_complete"] = result.ratings.complete
        frame["awaiting_ratings"] = awaiting_ratings(result)
    frame["flags"] = flag_texts(result)
    return frame


def gates(result: ScoreResult) -> pd.DataFrame:
    """Long: uscc, gate, passed, value, reason (``missing:<criterion>`` rows for exclusions)."""
    parts = []
    for g in result.gate_traces:
        values = _gate_values(g)
        reason = np.full(len(result.firms), "", dtype=object)
        fails = np.flatnonzero(~g.passed)
        reason[fails] = [gate_reason(g.gate, values[i], bool(g.missing[i])) for i in fails]
        parts.append(pd.DataFrame({
            "uscc": result.firms, "gate": g.id, "passed": g.passed, "value": values,
            "reason": reason}))
    for k, cid in enumerate(result.structure.criteria):
        if result.traces.policies[k] == "exclude":
            excluded = result.traces.exclusions[:, k]
            parts.append(pd.DataFrame({
                "uscc": result.firms, "gate": f"missing:{cid}", "passed": ~excluded,
                "value": None,
                "reason": np.where(excluded, f"no value for {cid}; the scheme excludes "
                                             "firms without it", "")}))
    if not parts:
        return pd.DataFrame(columns=["uscc", "gate", "passed", "value", "reason"])
    order = {name: i for i, name in enumerate(result.firms)}
    frame = pd.concat(parts, ignore_index=True)
    frame["_firm"] = frame["uscc"].map(order)
    return frame.sort_values("_firm", kind="stable").drop(columns="_firm").reset_index(drop=True)


def criteria(result: ScoreResult) -> pd.DataFrame:
    """Long: uscc, criterion, category, raw, normalised, points, missing, note."""
    n, k = result.traces.points.shape
    ids = result.structure.criteria
    return pd.DataFrame({
        "uscc": np.repeat(result.firms.to_numpy(dtype=object), k),
        "criterion": pd.Categorical(np.tile(np.array(ids, dtype=object), n),
                                    categories=list(ids)),
        "category": np.tile(np.array(_criterion_categories(result), dtype=object), n),
        "raw": result.traces.raw.ravel(),
        "normalised": result.traces.normalised.ravel(),
        "points": result.traces.points.ravel(),
        "missing": result.traces.missing.ravel(),
        "note": notes(result).ravel(),
    })


def categories(result: ScoreResult) -> pd.DataFrame:
    """Long: uscc, category, subtotal (before the cap), capped (what counts), minimum_met."""
    n, c = result.subtotals.shape
    return pd.DataFrame({
        "uscc": np.repeat(result.firms.to_numpy(dtype=object), c),
        "category": np.tile(np.array(result.structure.categories, dtype=object), n),
        "subtotal": result.subtotals.ravel(),
        "capped": result.capped.ravel(),
        "minimum_met": _minimum_met(result).ravel(),
    })


def explain(result: ScoreResult, uscc: str) -> dict[str, Any]:
    """One firm's JSON-serialisable explanation: gates, criteria, categories, total, rank."""
    i = result.firms.get_loc(uscc)
    if not isinstance(i, int):
        raise KeyError(uscc)
    return _records(result, [i])[0]


def explain_all(result: ScoreResult) -> list[dict[str, Any]]:
    """Every firm's explanation: ranked firms by rank, then the unranked by uscc."""
    firms = [str(f) for f in result.firms]
    rank = result.rank.tolist()
    order = sorted(range(len(firms)), key=lambda i: (rank[i] == 0, rank[i], firms[i]))
    return _records(result, order)


def _records(result: ScoreResult, positions: list[int]) -> list[dict[str, Any]]:
    """The explanations of the firms at ``positions``, in that order, built column-wise."""
    firms = [str(f) for f in result.firms]
    structure = result.structure
    scheme_ref = {
        "id": result.scheme.id,
        "version": result.scheme.version,
        "fingerprint": scheme_fingerprint(result.scheme),
    }
    criterion_titles = {c.id: c.title for c in result.scheme.scored_criteria}
    criterion_category = _criterion_categories(result)
    note = notes(result).tolist()
    minimum_met = _minimum_met(result).tolist()
    raw = result.traces.raw.tolist()
    norm = result.traces.normalised.tolist()
    points = result.traces.points.tolist()
    missing = result.traces.missing.tolist()
    subtotals = result.subtotals.tolist()
    capped = result.capped.tolist()
    caps = [json_value(c) if np.isfinite(c) else None for c in structure.cap]
    tops = [json_value(t) for t in structure.top]
    gate_columns = [(g, g.passed.tolist(), g.missing.tolist(), _gate_values(g))
                    for g in result.gate_traces]
    bypass_ids = [r.id for r in result.scheme.bypass]
    bypass_hits = result.bypass_hits.tolist()
    within = None if result.within_capacity is None else result.within_capacity.tolist()
    rank = result.rank.tolist()
    total = result.total.tolist()
    eligible = result.eligible.tolist()
    bypassed = result.bypassed.tolist()
    passed = result.passed.tolist()
    flag_column = flag_texts(result)
    ratings = _rating_records(result)

    records = [
        {
            "uscc": firms[i],
            "scheme": scheme_ref,
            "eligible": bool(eligible[i]),
            "bypassed": bool(bypassed[i]),
            "passed": bool(passed[i]),
            "total": json_value(total[i]),
            "rank": int(rank[i]) if rank[i] > 0 else None,
            "within_capacity": None if within is None else bool(within[i]),
            "gates": [
                {"gate": g.id, "passed": bool(ok[i]), "value": values[i],
                 "reason": None if ok[i] else gate_reason(g.gate, values[i], bool(gap[i]))}
                for g, ok, gap, values in gate_columns
            ],
            "bypass": [b for b, hit in zip(bypass_ids, bypass_hits[i], strict=True) if hit],
            "criteria": [
                {
                    "criterion": cid,
                    "title": criterion_titles.get(cid),
                    "category": criterion_category[j],
                    "raw": json_value(raw[i][j]),
                    "normalised": json_value(norm[i][j]),
                    "points": json_value(points[i][j]),
                    "max_points": tops[j],
                    "missing": bool(missing[i][j]),
                    "note": str(note[i][j]) or None,
                }
                for j, cid in enumerate(structure.criteria)
            ],
            "categories": [
                {
                    "category": cat,
                    "subtotal": json_value(subtotals[i][c]),
                    "capped": json_value(capped[i][c]),
                    "cap": caps[c],
                    "minimum_met": bool(minimum_met[i][c]),
                }
                for c, cat in enumerate(structure.categories)
            ],
            "flags": _split_flags(flag_column[i]),
        }
        for i in positions
    ]
    if ratings is not None:
        for record, i in zip(records, positions, strict=True):
            record["ratings"] = ratings[i]
    growth = _growth_records(result)
    if growth is not None:
        for record, i in zip(records, positions, strict=True):
            record["growth"] = growth[i]
    return records


def _growth_records(result: ScoreResult) -> list[dict[str, Any]] | None:
    """Per firm, the growth criterion as data: the model's probability, the points it earned
    (min(probability × weight, cap)), the cap, and the top factors (None without the criterion)."""
    criteria = result.structure.criteria
    if GROWTH_CRITERION not in criteria:
        return None
    j = criteria.index(GROWTH_CRITERION)
    crit = result.scheme.scored_criteria[j]
    probability = result.traces.indicators[GROWTH_PROBABILITY].tolist()
    points = result.traces.points_column(j).tolist()
    factors = result.growth_factors
    return [
        {
            "probability": json_value(probability[i]),
            "points": json_value(points[i]),
            "max_points": json_value(result.structure.top[j]),
            "weight": json_value(crit.weight),
            "factors": [] if factors is None else list(factors[i]),
        }
        for i in range(len(result.firms))
    ]


def _rating_records(result: ScoreResult) -> list[dict[str, Any]] | None:
    """Per firm, its rating completeness (None for a scheme without rating criteria)."""
    status = result.ratings
    if status is None:
        return None
    complete = status.complete.tolist()
    english = awaiting_ratings(result).tolist()
    chinese = awaiting_ratings(result, zh=True).tolist()
    given = [g.tolist() for g in status.given]
    return [
        {
            "complete": bool(complete[i]),
            "awaiting": english[i] or None,
            "awaiting_zh": chinese[i] or None,
            "criteria": [{"criterion": cid, "given": int(given[r][i]), "required": required}
                         for r, (cid, required) in enumerate(zip(status.criteria,
                                                                 status.required,
                                                                 strict=True))],
        }
        for i in range(len(result.firms))
    ]
