"""The scheme language: a versioned, immutable scoring configuration for one cohort.

A scheme is data. Order of evaluation, for every firm of the pool at once:

1. **gates** all hold, and no ``exclude``-policy criterion is missing → the firm is *eligible*;
2. each **criterion** maps a raw value to a normalised value in [0, 1] and points
   (``points = normalised * max_points``; a band table gives its points directly;
   ``best_of`` takes the alternative with the most points);
3. **categories** add their criteria's points and apply their caps; ``bonus`` categories add
   on top of the (optionally ``max_total``-capped) main total;
4. ``passing`` (threshold with ``>=`` or ``>``) and every criterion and category ``minimum``
   must hold, unless a **bypass** rule (direct recognition) holds for an eligible firm;
5. eligible firms are ranked by total, then by ``tie_break`` keys, then by uscc — those whose
   reviewer ratings are complete (``Rating.required`` each) first, those awaiting ratings after.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scoring.errors import SchemeError
from scoring.indicators import INDICATORS
from scoring.vocabulary import COHORTS

__all__ = [
    "GROWTH_CRITERION",
    "GROWTH_PROBABILITY",
    "Anchor",
    "Band",
    "BypassRule",
    "Category",
    "Condition",
    "Criterion",
    "Gate",
    "GrowthModelSection",
    "Measure",
    "Minimum",
    "Passing",
    "Rating",
    "Scheme",
    "Threshold",
    "TieBreak",
    "growth_criterion",
    "load_scheme",
    "scheme_fingerprint",
    "scheme_json_schema",
]

GROWTH_CRITERION = "growth_model"
GROWTH_PROBABILITY = "growth_probability"  # the input column the growth criterion reads
GROWTH_TITLE = "成长模型预测概率 — Growth-model probability"

Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=80)]
Comparison = Literal["<", "<=", ">", ">=", "==", "!="]
Method = Literal["min-max", "percentile", "log-min-max", "z-score", "threshold", "bands", "rating",
                 "probability"]
MissingPolicy = Literal["zero", "pool-median", "exclude"]

_CONTINUOUS: frozenset[str] = frozenset({"min-max", "percentile", "log-min-max", "z-score"})


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Condition(_Frozen):
    """``indicator op value``; ``in`` / ``not-in`` take a list."""

    indicator: str
    op: Literal["<", "<=", ">", ">=", "==", "!=", "in", "not-in"]
    value: bool | float | str | list[str | float]


class Gate(Condition):
    """An eligibility rule; a firm without a value fails unless ``when_missing`` is ``pass``."""

    id: Identifier
    title: str | None = None
    rationale: str | None = None
    when_missing: Literal["fail", "pass"] = "fail"


class BypassRule(_Frozen):
    """Direct recognition: an eligible firm meeting every condition passes whatever its score."""

    id: Identifier
    title: str | None = None
    rationale: str | None = None
    all: list[Condition] = Field(min_length=1)


class Band(_Frozen):
    """One row of a band table: a value in the range earns ``points``; ``None`` bounds are open."""

    lower: float | None = None
    upper: float | None = None
    lower_inclusive: bool = True
    upper_inclusive: bool = False
    points: float
    label: str | None = None


class Threshold(_Frozen):
    """``value op threshold`` earns the full points, otherwise none."""

    op: Comparison
    value: float


class Anchor(_Frozen):
    """What one point of a rating scale means, in Chinese and English (shown to reviewers only;
    no score reads it)."""

    score: float
    zh: str = Field(min_length=1, max_length=500)
    en: str = Field(min_length=1, max_length=500)


class Rating(_Frozen):
    """How reviewer ratings aggregate: ``normalised = (aggregate - low) / (high - low)``.

    ``required`` is how many ratings make a firm's rating complete; unstated, it is the round's
    number of reviewers per nomination (``score``'s ``ratings_required``). A firm with fewer is
    *awaiting ratings*: it is ranked after every firm whose ratings are complete.

    ``anchors`` say what points of the scale mean (ascending scores inside ``range``), for the
    rating form; they are display-only.
    """

    aggregate: Literal["mean", "median", "trimmed-mean"] = "mean"
    trim: float = Field(default=0.1, ge=0.0, lt=0.5)
    range: tuple[float, float]
    disagreement: float | None = Field(default=None, gt=0)
    min_reviewers: int = Field(default=1, ge=1)
    # Left out of dumps when unstated, so the fingerprints of schemes stored before it stay.
    required: int | None = Field(default=None, ge=1, exclude_if=lambda value: value is None)
    anchors: list[Anchor] | None = Field(
        default=None, max_length=21, exclude_if=lambda value: value is None
    )


class Minimum(_Frozen):
    """A sub-score minimum: ``points op value`` must hold for the firm to pass."""

    points: float
    op: Literal[">=", ">"] = ">="


class Measure(_Frozen):
    """How one raw value becomes a normalised value (and, for band tables, points).

    - ``min-max``: ``(x - lo) / (hi - lo)``, ``lo``/``hi`` the pool's min and max unless
      ``lower``/``upper`` fix them; clipped to [0, 1]; 0 when ``hi == lo``.
    - ``log-min-max``: the same on ``ln(1 + max(x, 0))``.
    - ``percentile``: ``(number of pool values < x + (number equal to x - 1) / 2) / (n - 1)``
      (1 when the pool has one firm).
    - ``z-score``: ``clip((z + z_clip) / (2 * z_clip), 0, 1)``, ``z = (x - mean) / std``
      (pool, population std; 0.5 when std is 0).
    - ``threshold``: 1 when ``x op value``, else 0.
    - ``bands``: the points of the one band containing ``x``; normalised = points / top points.
    - ``rating``: the reviewers' aggregate, scaled by its range.
    - ``probability`` (the growth model's criterion, built from ``growth_model``; not written
      in a scheme): points ``min(x * weight, max_points)``; normalised = points / max_points.

    ``direction: lower`` turns a continuous normalised value ``v`` into ``1 - v``. Values are
    rounded to 9 decimals before bands, thresholds and gates compare them, so a computed
    0.35000000000000003 counts as exactly 35%.
    """

    indicator: str | None = None
    method: Method | None = None
    direction: Literal["higher", "lower"] = "higher"
    lower: float | None = None
    upper: float | None = None
    z_clip: float = Field(default=3.0, gt=0)
    threshold: Threshold | None = None
    bands: list[Band] | None = None
    rating: Rating | None = None


class Alternative(Measure):
    """One alternative of a ``best_of`` criterion."""

    id: Identifier


class Criterion(Measure):
    """One scored criterion: ``weight`` or ``max_points`` (band tables: neither, or the top)."""

    id: Identifier
    title: str | None = None
    rationale: str | None = None
    category: Identifier | None = None
    weight: float | None = Field(default=None, gt=0)
    max_points: float | None = Field(default=None, gt=0)
    missing: MissingPolicy = "zero"
    minimum: Minimum | None = None
    best_of: list[Alternative] | None = None


class Category(_Frozen):
    """A group of criteria whose subtotal may be capped and must perhaps reach a minimum."""

    id: Identifier
    title: str | None = None
    cap: float | None = Field(default=None, gt=0)
    minimum: Minimum | None = None
    bonus: bool = False


class Passing(_Frozen):
    """The pass threshold on the total."""

    threshold: float
    op: Literal[">=", ">"] = ">="


class TieBreak(_Frozen):
    """One tie-break key: a criterion's points, a category's subtotal or an indicator's value."""

    criterion: str | None = None
    category: str | None = None
    indicator: str | None = None
    order: Literal["asc", "desc"] = "desc"


class GrowthModelSection(_Frozen):
    """The growth model's probability as one more capped criterion named ``growth_model``."""

    enabled: bool = False
    max_points: float | None = Field(default=None, gt=0)
    weight: float | None = Field(default=None, gt=0)
    cap: float | None = Field(default=None, gt=0)
    missing: MissingPolicy = "zero"
    category: Identifier | None = None
    rationale: str | None = None


class Scheme(_Frozen):
    """A scoring scheme for one cohort (or a reference scheme with no cohort)."""

    id: Identifier
    version: int = Field(ge=1)
    title: str
    cohort: str | None = None
    description: str | None = None
    source: str | None = None
    aggregation: Literal["weighted-sum", "topsis"] = "weighted-sum"
    gates: list[Gate] = Field(default_factory=list)
    bypass: list[BypassRule] = Field(default_factory=list)
    categories: list[Category] = Field(default_factory=list)
    criteria: list[Criterion] = Field(min_length=1)
    max_total: float | None = Field(default=None, gt=0)
    passing: Passing | None = None
    tie_break: list[TieBreak] = Field(default_factory=list)
    growth_model: GrowthModelSection | None = None

    @cached_property
    def scored_criteria(self) -> tuple[Criterion, ...]:
        """The criteria the engine scores: ``criteria``, then the enabled growth model as one
        more criterion (``growth_criterion``)."""
        growth = self.growth_model
        if growth is None or not growth.enabled:
            return tuple(self.criteria)
        return (*self.criteria, growth_criterion(growth))


def growth_criterion(section: GrowthModelSection) -> Criterion:
    """The growth model as an ordinary criterion: the ``growth_probability`` input times its
    points at probability 1 (``max_points`` or ``weight``), cut at ``cap``."""
    top = float(section.max_points or section.weight or 0.0)
    return Criterion(id=GROWTH_CRITERION, title=GROWTH_TITLE, indicator=GROWTH_PROBABILITY,
                     method="probability",
                     weight=top, max_points=float(section.cap) if section.cap is not None
                     else top, missing=section.missing, category=section.category,
                     rationale=section.rationale)


def _format_loc(loc: tuple[str | int, ...], data: object) -> str:
    """``('criteria', 3, 'bands', 1, 'lower')`` → ``criteria[3].bands[1].lower``."""
    path = ""
    node: object = data
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            continue
        # A union's member name appears in the loc but not in the data: it is no key, skip it.
        if isinstance(node, Mapping) and part not in node and path:
            continue
        path += f".{part}" if path else part
        node = node.get(part) if isinstance(node, Mapping) else None
    return path


def _measure_problems(m: Measure, path: str, *, in_best_of: bool) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if m.method is None:
        return [(f"{path}.method", "required")]
    if m.method == "probability":
        return [(f"{path}.method", "probability is the growth model's method: enable "
                                   "growth_model instead")]
    if m.method == "rating":
        if m.rating is None:
            problems.append((f"{path}.rating", "required when method is rating"))
        if m.indicator is not None:
            problems.append((f"{path}.indicator", "a rating criterion reads ratings, not an "
                                                  "indicator"))
        if in_best_of:
            problems.append((f"{path}.method", "rating cannot be a best_of alternative"))
    else:
        if m.indicator is None:
            problems.append((f"{path}.indicator", f"required when method is {m.method}"))
        elif m.indicator not in INDICATORS:
            problems.append((f"{path}.indicator", f"unknown indicator {m.indicator!r}"))
    if m.rating is not None and m.method != "rating":
        problems.append((f"{path}.rating", "only for method rating"))
    if m.rating is not None and not m.rating.range[0] < m.rating.range[1]:
        problems.append((f"{path}.rating.range", "must be [low, high] with low < high"))
    if m.rating is not None and m.rating.anchors:
        low, high = m.rating.range
        scores = [a.score for a in m.rating.anchors]
        for i, score in enumerate(scores):
            if not low <= score <= high:
                problems.append(
                    (f"{path}.rating.anchors[{i}].score", f"must lie in [{low:g}, {high:g}]")
                )
        if scores != sorted(set(scores)):
            problems.append((f"{path}.rating.anchors", "scores must be distinct and ascending"))
    if m.method == "threshold" and m.threshold is None:
        problems.append((f"{path}.threshold", "required when method is threshold"))
    if m.threshold is not None and m.method != "threshold":
        problems.append((f"{path}.threshold", "only for method threshold"))
    if m.method != "bands" and m.bands is not None:
        problems.append((f"{path}.bands", "only for method bands"))
    if m.method not in _CONTINUOUS and m.direction != "higher":
        problems.append((f"{path}.direction", "only continuous methods have a direction"))
    if (m.lower is not None or m.upper is not None) and m.method not in {"min-max",
                                                                         "log-min-max"}:
        problems.append((f"{path}.lower", "fixed bounds are only for min-max and log-min-max"))
    if m.lower is not None and m.upper is not None and not m.lower < m.upper:
        problems.append((f"{path}.upper", "must exceed lower"))
    if m.method == "bands":
        problems.extend(_band_problems(m.bands, f"{path}.bands"))
    return problems


def _band_problems(bands: list[Band] | None, path: str) -> list[tuple[str, str]]:
    """Bands must be ascending, contiguous and disjoint, covering every real number once."""
    if not bands:
        return [(path, "a band table needs at least one band")]
    problems: list[tuple[str, str]] = []
    if bands[0].lower is not None:
        problems.append((f"{path}[0].lower", "the first band must be open below (lower: null)"))
    if bands[-1].upper is not None:
        problems.append((f"{path}[{len(bands) - 1}].upper",
                         "the last band must be open above (upper: null)"))
    for i, band in enumerate(bands):
        if band.lower is not None and band.upper is not None and not band.lower < band.upper:
            problems.append((f"{path}[{i}].upper", "must exceed lower"))
        if i == 0:
            continue
        prev = bands[i - 1]
        if band.lower is None or prev.upper is None or band.lower != prev.upper:
            problems.append((f"{path}[{i}].lower",
                             f"must equal {path.rsplit('.', 1)[-1]}[{i - 1}].upper "
                             f"({prev.upper}): bands are listed in ascending order, without "
                             "gaps"))
        elif band.lower_inclusive == prev.upper_inclusive:
            problems.append((f"{path}[{i}].lower_inclusive",
                             f"the bound {band.lower} must belong to exactly one of bands "
                             f"{i - 1} and {i}"))
    return problems


def _criterion_top(c: Criterion) -> float | None:
    """Largest points a criterion can give, when the scheme fixes it."""
    if c.max_points is not None:
        return c.max_points
    if c.weight is not None:
        return c.weight
    measures: list[Measure] = list(c.best_of) if c.best_of else [c]
    tops = [max(b.points for b in m.bands) for m in measures if m.method == "bands" and m.bands]
    return max(tops) if tops and len(tops) == len(measures) else None


def _criterion_problems(c: Criterion, path: str, categories: set[str]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if c.best_of is not None:
        if c.method is not None or c.indicator is not None:
            problems.append((f"{path}.best_of", "a best_of criterion has no method or indicator "
                                                "of its own"))
        if len(c.best_of) < 2:
            problems.append((f"{path}.best_of", "needs at least two alternatives"))
        for j, alt in enumerate(c.best_of):
            problems.extend(_measure_problems(alt, f"{path}.best_of[{j}]", in_best_of=True))
        measures: list[Measure] = list(c.best_of)
    elif c.method is None:
        problems.append((f"{path}.method", "required (or give best_of alternatives)"))
        measures = []
    else:
        problems.extend(_measure_problems(c, path, in_best_of=False))
        measures = [c]
    if c.weight is not None and c.max_points is not None:
        problems.append((f"{path}.weight", "give weight or max_points, not both"))
    banded = [m for m in measures if m.method == "bands"]
    if measures and len(banded) == len(measures):
        top = max(max(b.points for b in m.bands or [Band(points=0)]) for m in banded)
        if c.weight is not None or (c.max_points is not None and c.max_points != top):
            problems.append((f"{path}.max_points",
                             f"a band table gives its own points; omit it or give {top}"))
    elif banded:
        problems.append((f"{path}.best_of", "alternatives are all band tables or none is"))
    elif measures and c.weight is None and c.max_points is None:
        problems.append((f"{path}.max_points", "give weight or max_points"))
    if c.category is not None and c.category not in categories:
        problems.append((f"{path}.category", f"unknown category {c.category!r}"))
    if c.category is None and categories:
        problems.append((f"{path}.category", "required when the scheme declares categories"))
    return problems


def _condition_problems(cond: Condition, path: str) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if cond.indicator not in INDICATORS:
        problems.append((f"{path}.indicator", f"unknown indicator {cond.indicator!r}"))
    listed = isinstance(cond.value, list)
    if cond.op in {"in", "not-in"} and not listed:
        problems.append((f"{path}.value", f"{cond.op} takes a list"))
    if cond.op not in {"in", "not-in"} and listed:
        problems.append((f"{path}.value", f"{cond.op} takes a single value"))
    if cond.op in {"<", "<=", ">", ">="} and (isinstance(cond.value, bool | str)):
        problems.append((f"{path}.value", f"{cond.op} compares numbers"))
    return problems


def _scheme_problems(s: Scheme) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if s.cohort is not None and s.cohort not in COHORTS:
        problems.append(("cohort", f"must be one of {', '.join(COHORTS)}"))
    categories = [c.id for c in s.categories]
    for i, cat_id in enumerate(categories):
        if cat_id in categories[:i]:
            problems.append((f"categories[{i}].id", f"duplicate category {cat_id!r}"))
    criterion_ids = [c.id for c in s.criteria]
    for i, c in enumerate(s.criteria):
        if c.id in criterion_ids[:i] or c.id == GROWTH_CRITERION:
            problems.append((f"criteria[{i}].id", f"duplicate or reserved id {c.id!r}"))
        problems.extend(_criterion_problems(c, f"criteria[{i}]", set(categories)))
    gate_ids = [g.id for g in s.gates]
    for i, g in enumerate(s.gates):
        if g.id in gate_ids[:i]:
            problems.append((f"gates[{i}].id", f"duplicate gate {g.id!r}"))
        problems.extend(_condition_problems(g, f"gates[{i}]"))
    for i, rule in enumerate(s.bypass):
        for j, cond in enumerate(rule.all):
            problems.extend(_condition_problems(cond, f"bypass[{i}].all[{j}]"))
    for i, tb in enumerate(s.tie_break):
        keys = [k for k in (tb.criterion, tb.category, tb.indicator) if k is not None]
        if len(keys) != 1:
            problems.append((f"tie_break[{i}]", "give exactly one of criterion, category, "
                                                "indicator"))
        elif tb.criterion is not None and tb.criterion not in [*criterion_ids, GROWTH_CRITERION]:
            problems.append((f"tie_break[{i}].criterion", f"unknown criterion {tb.criterion!r}"))
        elif tb.category is not None and tb.category not in categories:
            problems.append((f"tie_break[{i}].category", f"unknown category {tb.category!r}"))
        elif tb.indicator is not None and tb.indicator not in INDICATORS:
            problems.append((f"tie_break[{i}].indicator", f"unknown indicator {tb.indicator!r}"))
    growth = s.growth_model
    if growth is not None and growth.enabled:
        if (growth.max_points is None) == (growth.weight is None):
            problems.append(("growth_model.max_points", "give weight or max_points (one)"))
        top = growth.max_points or growth.weight
        if growth.cap is not None and top is not None and growth.cap > top:
            problems.append(("growth_model.cap", f"cannot exceed the criterion's points ({top})"))
        if growth.category is not None and growth.category not in categories:
            problems.append(("growth_model.category", f"unknown category {growth.category!r}"))
        if growth.category is None and categories:
            problems.append(("growth_model.category", "required when the scheme declares "
                                                      "categories"))
    if s.aggregation == "topsis":
        for i, cat in enumerate(s.categories):
            if cat.cap is not None or cat.minimum is not None or cat.bonus:
                problems.append((f"categories[{i}]", "topsis ranks on the criteria matrix: "
                                                     "no caps, minimums or bonus categories"))
        if s.max_total is not None:
            problems.append(("max_total", "topsis totals are closeness values in [0, 1]"))
    return problems


def load_scheme(source: str | Path | Mapping[str, Any]) -> Scheme:
    """Parse and validate a scheme from a mapping, a YAML/JSON file path, or YAML text."""
    data: object
    if isinstance(source, Mapping):
        data = source
    else:
        is_path = isinstance(source, Path) or ("\n" not in source and
                                               source.endswith((".yaml", ".yml", ".json")))
        if is_path:
            try:
                text = Path(source).read_text(encoding="utf-8")
            except OSError as exc:
                raise SchemeError([("", f"cannot read scheme file {source}: {exc}")]) from exc
        else:
            text = str(source)
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise SchemeError([("", f"not valid YAML: {exc}")]) from exc
    if not isinstance(data, Mapping):
        raise SchemeError([("", "a scheme is a mapping of keys to values")])
    try:
        scheme = Scheme.model_validate(data)
    except ValidationError as exc:
        raise SchemeError([(_format_loc(tuple(e["loc"]), data), e["msg"])
                           for e in exc.errors()]) from None
    problems = _scheme_problems(scheme)
    if problems:
        raise SchemeError(problems)
    return scheme


def criterion_top_points(criterion: Criterion) -> float:
    """The most points a validated criterion can give (its weight in the weighted sum)."""
    top = _criterion_top(criterion)
    assert top is not None, "validated criteria always have a top"
    return top


def scheme_json_schema() -> dict[str, Any]:
    """The JSON Schema of the scheme language (structure only; cross-key rules are in docs)."""
    return Scheme.model_json_schema()


def scheme_fingerprint(scheme: Scheme) -> str:
    """SHA-256 of the scheme's canonical JSON (sorted keys, defaults filled in, UTF-8)."""
    canonical = json.dumps(scheme.model_dump(mode="json"), sort_keys=True,
                           separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
