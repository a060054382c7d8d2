"""The result of a score run: every intermediate kept, frames built on first access.

The kernel's arrays are held as they were computed; the long frames (``summary``, ``gates``,
``criteria``, ``categories``) and the wide ``points_matrix`` are derived from them once, on
first use, so that scoring a large pool does not pay for explanations nobody reads.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from scoring.aggregation import Structure
from scoring.measures import criterion_values
from scoring.scheme import Gate, Measure, Scheme, scheme_fingerprint

__all__ = ["CriterionTrace", "GateTrace", "ScoreResult"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

_POLICY_NOTES = {
    "zero": "missing: 0 points (policy zero)",
    "pool-median": "missing: pool median used (policy pool-median)",
    "exclude": "missing: firm excluded (policy exclude)",
}


@dataclass(frozen=True, eq=False)
class GateTrace:
    """One gate's outcome per firm, with the indicator values it looked at."""

    id: str
    gate: Gate
    passed: BoolArray
    missing: BoolArray
    values: pd.Series


def _column_matrix(n: int, columns: list[npt.NDArray[Any]], dtype: Any) -> npt.NDArray[Any]:
    """``(N, K)`` column-major matrix of K columns of N values."""
    matrix = np.empty((n, len(columns)), dtype=dtype, order="F")
    for k, col in enumerate(columns):
        matrix[:, k] = col
    return matrix


@dataclass(frozen=True, eq=False)
class CriterionTrace:
    """Per criterion k, over the N firms: raw value used, normalised value, points, missing flag.

    Scoring keeps what is costly to redo — a percentile's sort, a best-of choice, the growth
    model's capped points — and, for every other criterion, the measure and the values it
    scored: its normalised values are recomputed on demand by the same pure kernel
    (``scoring.measures.criterion_values``), bit for bit. The ``(N, K)`` matrices are built on
    first use, so a large pool does not pay for explanations nobody reads.
    """

    n: int
    raw_columns: tuple[FloatArray, ...]
    top: FloatArray  # (K,)
    pool: BoolArray  # the pool the criteria were normalised in
    recompute: Mapping[int, Measure]  # criteria recomputed on demand, by their one measure
    kept_normalised: Mapping[int, FloatArray]  # the other criteria's normalised values
    kept_points: Mapping[int, FloatArray]  # kept points that are not normalised * top
    kept_chosen: Mapping[int, npt.NDArray[np.int8]]  # best_of alternative, -1 when none
    missing_columns: tuple[BoolArray, ...]
    policies: tuple[str, ...]
    imputed_with: FloatArray  # (K,) the pool median used, NaN when none was
    rating_spread: Mapping[str, FloatArray]
    growth_explanation: pd.Series | None
    # The indicator frame scored (a copy-on-write snapshot): raw columns are views of it.
    indicators: pd.DataFrame

    @cached_property
    def _recomputed_columns(self) -> dict[int, tuple[FloatArray, FloatArray | None, BoolArray]]:
        return {}

    def _recomputed(self, k: int) -> tuple[FloatArray, FloatArray | None, BoolArray]:
        # Once per criterion: the normalised, points and chosen matrices all read it.
        columns = self._recomputed_columns.get(k)
        if columns is None:
            columns = criterion_values(self.recompute[k], self.raw_columns[k], self.pool,
                                       float(self.top[k]))
            self._recomputed_columns[k] = columns
        return columns

    def normalised_column(self, k: int) -> FloatArray:
        """Normalised values of criterion ``k`` (0 where it gave no points)."""
        if k in self.recompute:
            return self._recomputed(k)[0]
        return self.kept_normalised[k]

    def points_column(self, k: int) -> FloatArray:
        """Points of criterion ``k`` for every firm (0 where it gave none)."""
        if k in self.recompute:
            norm, explicit, _ = self._recomputed(k)
        else:
            norm, explicit = self.kept_normalised[k], self.kept_points.get(k)
        if explicit is not None:
            return explicit
        points: FloatArray = norm * self.top[k]
        return points

    def chosen_column(self, k: int) -> npt.NDArray[np.int8]:
        """The best_of alternative that gave criterion ``k``'s points (0 for a single measure),
        -1 where none did."""
        if k in self.recompute:
            unscored = self._recomputed(k)[2]
            return np.where(unscored, np.int8(-1), np.int8(0))
        return self.kept_chosen[k]

    @cached_property
    def raw(self) -> FloatArray:
        """``(N, K)`` raw values used (after any pool-median imputation)."""
        return _column_matrix(self.n, list(self.raw_columns), np.float64)

    @cached_property
    def normalised(self) -> FloatArray:
        """``(N, K)`` normalised values (0 where the criterion gave no points)."""
        return _column_matrix(self.n, [self.normalised_column(k) for k in range(len(self.top))],
                              np.float64)

    @cached_property
    def points(self) -> FloatArray:
        """``(N, K)`` points."""
        return _column_matrix(self.n, [self.points_column(k) for k in range(len(self.top))],
                              np.float64)

    @cached_property
    def missing(self) -> BoolArray:
        """``(N, K)`` true where the criterion had no value."""
        return _column_matrix(self.n, list(self.missing_columns), np.bool_)

    @cached_property
    def chosen(self) -> npt.NDArray[np.int8]:
        """``(N, K)`` best_of alternative that gave the points, -1 when none."""
        return _column_matrix(self.n, [self.chosen_column(k) for k in range(len(self.top))],
                              np.int8)

    @cached_property
    def exclusions(self) -> BoolArray:
        """``(N, K)`` true where a missing value excluded the firm (policy ``exclude``)."""
        return _column_matrix(self.n, [m if p == "exclude" else np.zeros_like(m)
                                       for m, p in zip(self.missing_columns, self.policies,
                                                       strict=True)], np.bool_)


def _json_value(value: object) -> Any:
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


@dataclass(frozen=True, eq=False)
class ScoreResult:
    """Everything a score run computed, aligned to ``firms`` (the indicator frame's index)."""

    scheme: Scheme
    firms: pd.Index
    structure: Structure
    gate_traces: tuple[GateTrace, ...]
    traces: CriterionTrace
    bypass_hits: BoolArray
    eligible: BoolArray
    bypassed: BoolArray
    subtotals: FloatArray
    capped: FloatArray
    total: FloatArray
    threshold_ok: BoolArray
    minimum_failures: Mapping[str, BoolArray]
    passed: BoolArray
    rank: IntArray  # 1-based among eligible firms, 0 for ineligible ones
    within_capacity: BoolArray | None
    capacity: int | None

    # -- wide and long frames ---------------------------------------------------------------

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Per uscc: eligible, bypassed, total, passed, rank (NA when ineligible), flags."""
        frame = pd.DataFrame({
            "eligible": self.eligible,
            "bypassed": self.bypassed,
            "total": self.total,
            "passed": self.passed,
            "rank": pd.array(np.where(self.rank > 0, self.rank, 0), dtype="Int64"),
        }, index=self.firms)
        frame.loc[self.rank == 0, "rank"] = pd.NA
        if self.within_capacity is not None:
            frame["within_capacity"] = self.within_capacity
        frame["flags"] = self._flag_cache
        return frame

    @cached_property
    def gates(self) -> pd.DataFrame:
        """Long: uscc, gate, passed, value, reason (``missing:<criterion>`` rows for exclusions)."""
        parts = []
        for g in self.gate_traces:
            reason = np.full(len(self.firms), "", dtype=object)
            fails = ~g.passed
            if fails.any():
                values = g.values.astype(object).to_numpy()[fails]
                reason[fails] = [
                    f"no value for {g.gate.indicator}" if m
                    else f"{g.gate.indicator} = {_json_value(v)} fails {g.gate.op} {g.gate.value}"
                    for v, m in zip(values, g.missing[fails], strict=True)]
            parts.append(pd.DataFrame({
                "uscc": self.firms, "gate": g.id, "passed": g.passed,
                "value": [_json_value(v) for v in g.values.to_numpy()], "reason": reason}))
        for k, cid in enumerate(self.structure.criteria):
            excluded = self.traces.exclusions[:, k]
            if self.traces.policies[k] == "exclude":
                parts.append(pd.DataFrame({
                    "uscc": self.firms, "gate": f"missing:{cid}", "passed": ~excluded,
                    "value": None,
                    "reason": np.where(excluded, f"no value for {cid}; the scheme excludes "
                                                 "firms without it", "")}))
        if not parts:
            return pd.DataFrame(columns=["uscc", "gate", "passed", "value", "reason"])
        order = {name: i for i, name in enumerate(self.firms)}
        frame = pd.concat(parts, ignore_index=True)
        frame["_firm"] = frame["uscc"].map(order)
        return (frame.sort_values("_firm", kind="stable").drop(columns="_firm")
                .reset_index(drop=True))

    @cached_property
    def criteria(self) -> pd.DataFrame:
        """Long: uscc, criterion, category, raw, normalised, points, missing, note."""
        n, k = self.traces.points.shape
        categories = [self.structure.categories[int(np.argmax(self.structure.membership[j]))]
                      for j in range(k)]
        return pd.DataFrame({
            "uscc": np.repeat(self.firms.to_numpy(dtype=object), k),
            "criterion": pd.Categorical(np.tile(np.array(self.structure.criteria, dtype=object),
                                                n), categories=list(self.structure.criteria)),
            "category": np.tile(np.array(categories, dtype=object), n),
            "raw": self.traces.raw.ravel(),
            "normalised": self.traces.normalised.ravel(),
            "points": self.traces.points.ravel(),
            "missing": self.traces.missing.ravel(),
            "note": self._notes().ravel(),
        })

    @cached_property
    def categories(self) -> pd.DataFrame:
        """Long: uscc, category, subtotal (before the cap), capped (what counts), minimum_met."""
        n, c = self.subtotals.shape
        met = np.ones((n, c), dtype=np.bool_)
        for j, cat in enumerate(self.structure.categories):
            failure = self.minimum_failures.get(f"category:{cat}")
            if failure is not None:
                met[:, j] = ~failure
        return pd.DataFrame({
            "uscc": np.repeat(self.firms.to_numpy(dtype=object), c),
            "category": np.tile(np.array(self.structure.categories, dtype=object), n),
            "subtotal": self.subtotals.ravel(),
            "capped": self.capped.ravel(),
            "minimum_met": met.ravel(),
        })

    @cached_property
    def points_matrix(self) -> pd.DataFrame:
        """Wide: firms × criteria points."""
        return pd.DataFrame(self.traces.points, index=self.firms,
                            columns=list(self.structure.criteria))

    # -- explanations -----------------------------------------------------------------------

    def _notes(self) -> npt.NDArray[np.object_]:
        n, k = self.traces.points.shape
        notes = np.full((n, k), "", dtype=object)
        scheme_criteria = {c.id: c for c in self.scheme.criteria}
        for j, cid in enumerate(self.structure.criteria):
            parts: list[npt.NDArray[np.object_]] = []
            missing = self.traces.missing[:, j]
            if missing.any():
                text = _POLICY_NOTES[self.traces.policies[j]]
                if self.traces.policies[j] == "pool-median":
                    text += f" = {_json_value(self.traces.imputed_with[j])}"
                parts.append(np.where(missing, text, ""))
            crit = scheme_criteria.get(cid)
            if crit is not None and crit.best_of:
                names = np.array([""] + [a.id for a in crit.best_of], dtype=object)
                chosen = names[self.traces.chosen[:, j].astype(np.int64) + 1]
                parts.append(np.where(chosen != "", "best of: " + chosen.astype(str), ""))
            spread = self.traces.rating_spread.get(cid)
            if crit is not None and crit.rating is not None and spread is not None:
                limit = crit.rating.disagreement
                if limit is not None:
                    with np.errstate(invalid="ignore"):
                        split = spread > limit
                    parts.append(np.where(split, [f"reviewers disagree (spread {s:g} > {limit:g})"
                                                  for s in spread], ""))
            if cid == "growth_model" and self.traces.growth_explanation is not None:
                parts.append(self.traces.growth_explanation.fillna("").astype(str).to_numpy())
            for part in parts:
                joined = np.where((notes[:, j] != "") & (part != ""), "; ", "")
                notes[:, j] = notes[:, j] + joined + part.astype(object)
        return notes

    _FLAG_SEPARATOR = "; "  # identifiers cannot contain it (scheme.Identifier)

    def _flags(self) -> npt.NDArray[np.object_]:
        """Per firm, its flags joined by ``; `` in a fixed order ("" when none).

        Firms are grouped by the combination of flags they carry (few combinations, however
        many firms): each condition splits the groups in two, in O(N) numpy, and each
        combination's text is joined once.
        """
        group = np.zeros(len(self.firms), dtype=np.int64)
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

        for g in self.gate_traces:
            add(~g.passed, f"gate:{g.id}")
        for j, cid in enumerate(self.structure.criteria):
            add(self.traces.missing_columns[j], f"missing:{cid}({self.traces.policies[j]})")
        scheme_criteria = {c.id: c for c in self.scheme.criteria}
        for cid, spread in self.traces.rating_spread.items():
            rating = scheme_criteria[cid].rating
            if rating is not None and rating.disagreement is not None:
                with np.errstate(invalid="ignore"):
                    add(spread > rating.disagreement, f"disagreement:{cid}")
        for b, rule in enumerate(self.scheme.bypass):
            add(self.bypass_hits[:, b] & self.eligible, f"bypass:{rule.id}")
        for name, failure in self.minimum_failures.items():
            add(failure & self.eligible, f"below-minimum:{name}")
        for c, cat in enumerate(self.structure.categories):
            add(self.subtotals[:, c] > self.capped[:, c], f"capped:{cat}")
        texts = np.array([self._FLAG_SEPARATOR.join(c) for c in combinations], dtype=object)
        joined: npt.NDArray[np.object_] = texts[group]
        return joined

    def explain(self, uscc: str) -> dict[str, Any]:
        """One firm's JSON-serialisable explanation: gates, criteria, categories, total, rank."""
        i = self.firms.get_loc(uscc)
        if not isinstance(i, int):
            raise KeyError(uscc)
        t = self.traces
        scheme_criteria = {c.id: c for c in self.scheme.criteria}
        notes = self._notes_for(i)
        return {
            "uscc": uscc,
            "scheme": {"id": self.scheme.id, "version": self.scheme.version,
                       "fingerprint": scheme_fingerprint(self.scheme)},
            "eligible": bool(self.eligible[i]),
            "bypassed": bool(self.bypassed[i]),
            "passed": bool(self.passed[i]),
            "total": _json_value(self.total[i]),
            "rank": int(self.rank[i]) if self.rank[i] > 0 else None,
            "within_capacity": (None if self.within_capacity is None
                                else bool(self.within_capacity[i])),
            "gates": [
                {"gate": g.id, "passed": bool(g.passed[i]), "value": _json_value(g.values.iloc[i]),
                 "reason": (None if g.passed[i] else
                            f"no value for {g.gate.indicator}" if g.missing[i] else
                            f"{g.gate.indicator} = {_json_value(g.values.iloc[i])} fails "
                            f"{g.gate.op} {g.gate.value}")}
                for g in self.gate_traces
            ],
            "bypass": [r.id for b, r in enumerate(self.scheme.bypass) if self.bypass_hits[i, b]],
            "criteria": [
                {"criterion": cid,
                 "title": getattr(scheme_criteria.get(cid), "title", None),
                 "category": self.structure.categories[
                     int(np.argmax(self.structure.membership[j]))],
                 "raw": _json_value(t.raw[i, j]),
                 "normalised": _json_value(t.normalised[i, j]),
                 "points": _json_value(t.points[i, j]),
                 "max_points": _json_value(self.structure.top[j]),
                 "missing": bool(t.missing[i, j]),
                 "note": notes[j] or None}
                for j, cid in enumerate(self.structure.criteria)
            ],
            "categories": [
                {"category": cat, "subtotal": _json_value(self.subtotals[i, c]),
                 "capped": _json_value(self.capped[i, c]),
                 "cap": _json_value(self.structure.cap[c]) if np.isfinite(self.structure.cap[c])
                 else None,
                 "minimum_met": self._category_minimum_met(cat, i)}
                for c, cat in enumerate(self.structure.categories)
            ],
            "flags": self.summary_flags(i),
        }

    def _category_minimum_met(self, category: str, i: int) -> bool:
        failure = self.minimum_failures.get(f"category:{category}")
        return True if failure is None else not bool(failure[i])

    def _notes_for(self, i: int) -> list[str]:
        return [str(v) for v in self._notes_row_cache[i]]

    @cached_property
    def _notes_row_cache(self) -> npt.NDArray[np.object_]:
        return self._notes()

    def summary_flags(self, i: int) -> list[str]:
        """Flags of the firm at position ``i`` (missing values, bypass, caps, minimums, gates)."""
        joined = str(self._flag_cache[i])
        return joined.split(self._FLAG_SEPARATOR) if joined else []

    @cached_property
    def _flag_cache(self) -> npt.NDArray[np.object_]:
        return self._flags()

    def to_records(self) -> list[dict[str, Any]]:
        """Explanations of all firms: ranked firms by rank, then the others by uscc."""
        from scoring.explanations import explain_all  # it builds on this module

        return explain_all(self)
