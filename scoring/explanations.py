"""Every firm's explanation of a score result, built in one pass over the result's arrays.

The output is exactly ``ScoreResult.explain(uscc)`` for every firm, ranked firms first (a test
holds the two equal); ``ScoreResult.to_records`` uses it because ``explain`` recomputes the
scheme fingerprint and indexes pandas per firm, which costs seconds on a thousand firms.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scoring.result import ScoreResult, _json_value
from scoring.scheme import scheme_fingerprint

__all__ = ["explain_all"]


def explain_all(result: ScoreResult) -> list[dict[str, Any]]:
    """``[result.explain(u) for u in firms]`` ordered by rank, then the unranked by uscc."""
    firms = [str(f) for f in result.firms]
    n = len(firms)
    structure = result.structure
    k = len(structure.criteria)
    scheme_ref = {
        "id": result.scheme.id,
        "version": result.scheme.version,
        "fingerprint": scheme_fingerprint(result.scheme),
    }
    criterion_titles = {c.id: c.title for c in result.scheme.criteria}
    criterion_category = [
        structure.categories[int(np.argmax(structure.membership[j]))] for j in range(k)
    ]
    criteria_frame = result.criteria
    notes = criteria_frame["note"].to_numpy(dtype=object).reshape(n, k).tolist()
    minimum_met = (
        result.categories["minimum_met"].to_numpy().reshape(n, len(structure.categories)).tolist()
    )
    raw = result.traces.raw.tolist()
    norm = result.traces.normalised.tolist()
    points = result.traces.points.tolist()
    missing = result.traces.missing.tolist()
    subtotals = result.subtotals.tolist()
    capped = result.capped.tolist()
    caps = [_json_value(c) if np.isfinite(c) else None for c in structure.cap]
    tops = [_json_value(t) for t in structure.top]
    gates = [
        (g, g.passed.tolist(), g.missing.tolist(), [_json_value(v) for v in g.values.to_numpy()])
        for g in result.gate_traces
    ]
    bypass_ids = [r.id for r in result.scheme.bypass]
    bypass_hits = result.bypass_hits.tolist()
    within = None if result.within_capacity is None else result.within_capacity.tolist()
    rank = result.rank.tolist()
    total = result.total.tolist()
    eligible = result.eligible.tolist()
    bypassed = result.bypassed.tolist()
    passed = result.passed.tolist()

    def gate_entry(i: int) -> list[dict[str, Any]]:
        out = []
        for g, ok, gap, values in gates:
            reason = None
            if not ok[i]:
                reason = (
                    f"no value for {g.gate.indicator}"
                    if gap[i]
                    else f"{g.gate.indicator} = {values[i]} fails {g.gate.op} {g.gate.value}"
                )
            out.append({"gate": g.id, "passed": bool(ok[i]), "value": values[i], "reason": reason})
        return out

    order = sorted(range(n), key=lambda i: (rank[i] == 0, rank[i], firms[i]))
    records = []
    for i in order:
        records.append(
            {
                "uscc": firms[i],
                "scheme": scheme_ref,
                "eligible": bool(eligible[i]),
                "bypassed": bool(bypassed[i]),
                "passed": bool(passed[i]),
                "total": _json_value(total[i]),
                "rank": int(rank[i]) if rank[i] > 0 else None,
                "within_capacity": None if within is None else bool(within[i]),
                "gates": gate_entry(i),
                "bypass": [b for b, hit in zip(bypass_ids, bypass_hits[i], strict=True) if hit],
                "criteria": [
                    {
                        "criterion": cid,
                        "title": criterion_titles.get(cid),
                        "category": criterion_category[j],
                        "raw": _json_value(raw[i][j]),
                        "normalised": _json_value(norm[i][j]),
                        "points": _json_value(points[i][j]),
                        "max_points": tops[j],
                        "missing": bool(missing[i][j]),
                        "note": str(notes[i][j]) or None,
                    }
                    for j, cid in enumerate(structure.criteria)
                ],
                "categories": [
                    {
                        "category": cat,
                        "subtotal": _json_value(subtotals[i][c]),
                        "capped": _json_value(capped[i][c]),
                        "cap": caps[c],
                        "minimum_met": bool(minimum_met[i][c]),
                    }
                    for c, cat in enumerate(structure.categories)
                ],
                "flags": result.summary_flags(i),
            }
        )
    return records
