"""Reviewer assignment: each nomination to ``k`` distinct eligible reviewers, loads balanced.

An integer programme over the eligible (nomination, reviewer) pairs whose constraint matrix is a
bipartite incidence matrix (totally unimodular): it is the min-cost flow HotCRP's autoassigner
solves, and the simplex optimum of its linear relaxation (HiGHS, through ``scipy.optimize.milp``)
is already integral, so no branch and bound is needed (it is run only if a vertex were not):

    maximise   Σ_(n,r) match(n, r) · x_nr            match = 1 when n's sector is one of r's
    subject to Σ_r x_nr = k                 for every nomination n
               lo ≤ Σ_n x_nr ≤ hi           for every reviewer r
               x_nr = 1                     for every fixed (kept) pair
               x_nr ∈ {0, 1}, and only where r has no conflict with, nor affiliation to, n

with ``lo = ⌊k·N / R⌋`` and ``hi = ⌈k·N / R⌉`` (no reviewer more than one above another), or
``lo = 0`` and ``hi = max_load`` when a maximum load is stated. Inputs are put in id order before
solving, so the same inputs give the same assignment whatever order they come in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from scoring.errors import AssignmentInfeasible, ScoringInputError

if TYPE_CHECKING:  # the type only; see ``_solve``
    from scipy.optimize import OptimizeResult

__all__ = ["Assignment", "Nomination", "Pair", "Reviewer", "assign_reviewers"]


@dataclass(frozen=True)
class Nomination:
    """A nomination to review: its id, the firm's sector, USCC and (optionally) name."""

    id: int
    sector: str
    uscc: str
    firm_name: str | None = None


@dataclass(frozen=True)
class Reviewer:
    """A reviewer: sectors of expertise and affiliations (USCCs or organisation names)."""

    id: int
    sectors: frozenset[str] = frozenset()
    affiliations: frozenset[str] = frozenset()


class Pair(NamedTuple):
    """One (nomination, reviewer) pair: a declared conflict or a kept assignment."""

    nomination: int
    reviewer: int


@dataclass(frozen=True)
class Assignment:
    """One assignment with its reason: sector match, kept by hand or not, the reviewer's load."""

    nomination: int
    reviewer: int
    sector_match: bool
    fixed: bool
    reviewer_load: int
    reason: str


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _affiliated(reviewer: Reviewer, nomination: Nomination) -> bool:
    """True when one of the reviewer's affiliations names the firm (USCC or name)."""
    firm = {_key(nomination.uscc)}
    if nomination.firm_name:
        firm.add(_key(nomination.firm_name))
    return any(_key(a) in firm for a in reviewer.affiliations)


def _check_ids(nominations: Sequence[Nomination], reviewers: Sequence[Reviewer],
               pairs: dict[str, list[Pair]], k: int, max_load: int | None) -> None:
    if k < 1:
        raise ScoringInputError(f"k: reviewers per nomination must be at least 1, got {k}")
    if max_load is not None and max_load < 1:
        raise ScoringInputError(f"max_load: must be at least 1, got {max_load}")
    for name, ids in (("nominations", [n.id for n in nominations]),
                      ("reviewers", [r.id for r in reviewers])):
        twice = sorted(i for i, c in Counter(ids).items() if c > 1)
        if twice:
            raise ScoringInputError(f"{name}: ids given more than once: {twice}")
    known_n, known_r = {n.id for n in nominations}, {r.id for r in reviewers}
    for name, given in pairs.items():
        unknown = sorted({p for p in given if p.nomination not in known_n
                          or p.reviewer not in known_r})
        if unknown:
            raise ScoringInputError(f"{name}: unknown nomination or reviewer in {unknown}")
    twice_fixed = sorted(p for p, c in Counter(pairs["fixed"]).items() if c > 1)
    if twice_fixed:
        raise ScoringInputError(f"fixed: reviewer assigned twice to a nomination: {twice_fixed}")
    over = sorted(n for n, c in Counter(p.nomination for p in pairs["fixed"]).items() if c > k)
    if over:
        raise ScoringInputError(f"fixed: more than k = {k} kept assignments for nominations {over}")


def assign_reviewers(
    nominations: Sequence[Nomination],
    reviewers: Sequence[Reviewer],
    *,
    k: int = 3,
    conflicts: Iterable[tuple[int, int]] = (),
    fixed: Iterable[tuple[int, int]] = (),
    max_load: int | None = None,
) -> list[Assignment]:
    """Assign each nomination to ``k`` eligible reviewers (pairs are (nomination, reviewer)).

    Raises ``ScoringInputError`` for malformed input and ``AssignmentInfeasible``, naming what is
    short, when no assignment meets the constraints.
    """
    pairs = {"conflicts": [Pair(*p) for p in conflicts], "fixed": [Pair(*p) for p in fixed]}
    _check_ids(nominations, reviewers, pairs, k, max_load)
    noms = sorted(nominations, key=lambda n: n.id)
    revs = sorted(reviewers, key=lambda r: r.id)
    if not noms:
        return []
    n_noms, n_revs = len(noms), len(revs)
    conflicted = set(pairs["conflicts"])
    nom_by_id, rev_by_id = {n.id: n for n in noms}, {r.id: r for r in revs}
    bad_fixed = sorted(p for p in pairs["fixed"] if p in conflicted
                       or _affiliated(rev_by_id[p.reviewer], nom_by_id[p.nomination]))
    if bad_fixed:
        raise ScoringInputError(f"fixed: kept assignments to a conflicted or affiliated "
                                f"reviewer: {bad_fixed}")
    # Eligibility as a boolean matrix, nominations × reviewers, in id order.
    eligible = np.ones((n_noms, n_revs), dtype=bool)
    n_index = {n.id: i for i, n in enumerate(noms)}
    r_index = {r.id: j for j, r in enumerate(revs)}
    for pair in conflicted:
        eligible[n_index[pair.nomination], r_index[pair.reviewer]] = False
    by_key: dict[str, list[int]] = {}
    for j, r in enumerate(revs):
        for a in r.affiliations:
            by_key.setdefault(_key(a), []).append(j)
    for i, n in enumerate(noms):
        for name in {_key(n.uscc), _key(n.firm_name or "")} - {""}:
            eligible[i, by_key.get(name, [])] = False
    short = {noms[i].id: k - int(c) for i, c in enumerate(eligible.sum(axis=1)) if c < k}
    if k > n_revs:
        raise AssignmentInfeasible(f"k = {k} is larger than the pool of {n_revs} reviewers",
                                   short_nominations=short)
    if short:
        raise AssignmentInfeasible(
            f"{len(short)} nominations have fewer than k = {k} eligible reviewers",
            short_nominations=short)
    total = k * n_noms
    if max_load is None:
        lo, hi = total // n_revs, -(-total // n_revs)
    else:
        lo, hi = 0, max_load
        if n_revs * max_load < total:
            raise AssignmentInfeasible(
                f"{n_revs} reviewers × max_load {max_load} = {n_revs * max_load} places for "
                f"{total} assignments: {total - n_revs * max_load} short")
    few = {revs[j].id: lo - int(c) for j, c in enumerate(eligible.sum(axis=0)) if c < lo}
    if few:
        raise AssignmentInfeasible(
            f"{len(few)} reviewers are eligible for fewer than the balanced load of {lo} "
            f"nominations; state a max_load", short_reviewers=few)
    fixed_load = Counter(p.reviewer for p in pairs["fixed"])
    heavy = {r: c - hi for r, c in fixed_load.items() if c > hi}
    if heavy:
        raise AssignmentInfeasible(f"kept assignments exceed the maximum load of {hi}",
                                   short_reviewers=heavy)

    rows, cols = np.nonzero(eligible)  # row-major: pairs in (nomination, reviewer) id order
    sectors = np.array([[n.sector in r.sectors for r in revs] for n in noms], dtype=bool)
    match = sectors[rows, cols]
    n_vars = rows.size
    lower = np.zeros(n_vars)
    pair_var = {(int(i), int(j)): v for v, (i, j) in enumerate(zip(rows, cols, strict=True))}
    for p in pairs["fixed"]:
        lower[pair_var[n_index[p.nomination], r_index[p.reviewer]]] = 1.0
    result = _solve(match, lower, rows, cols, (n_noms, n_revs), k, (lo, hi))
    if result.status != 0 or result.x is None:
        raise AssignmentInfeasible(
            f"no assignment of k = {k} reviewers per nomination meets the conflicts, "
            f"affiliations and loads between {lo} and {hi} ({result.message})")
    chosen = np.flatnonzero(result.x > 0.5)
    load = np.bincount(cols[chosen], minlength=n_revs)
    kept = {(n_index[p.nomination], r_index[p.reviewer]) for p in pairs["fixed"]}
    out: list[Assignment] = []
    for v in chosen:
        i, j = int(rows[v]), int(cols[v])
        is_fixed, is_match = (i, j) in kept, bool(match[v])
        why = [("kept by hand" if is_fixed else "solver"),
               (f"sector match ({noms[i].sector})" if is_match else "no sector match"),
               f"reviewer load {int(load[j])}"]
        out.append(Assignment(noms[i].id, revs[j].id, is_match, is_fixed, int(load[j]),
                              "; ".join(why)))
    return out


def _solve(match: np.ndarray, lower: np.ndarray, rows: np.ndarray, cols: np.ndarray,
           shape: tuple[int, int], k: int, load: tuple[int, int]) -> OptimizeResult:
    """HiGHS's optimum of the programme over the eligible pairs (``scipy.optimize.milp``)."""
    # Deferred, and only here: scipy.optimize costs about a second of CPU to import, and every
    # command and server start-up imports this module through the assignment use cases.
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_array

    n_noms, n_revs = shape
    n_vars = rows.size
    var = np.arange(n_vars)
    per_nomination = csr_array((np.ones(n_vars), (rows, var)), shape=(n_noms, n_vars))
    per_reviewer = csr_array((np.ones(n_vars), (cols, var)), shape=(n_revs, n_vars))
    problem = {
        "c": -match.astype(np.float64),
        "bounds": Bounds(lower, np.ones(n_vars)),
        "constraints": [LinearConstraint(per_nomination, k, k),
                        LinearConstraint(per_reviewer, *load)],
        # HiGHS's presolve takes minutes on this degenerate problem; the simplex alone, seconds.
        "options": {"presolve": False},
    }
    result = milp(**problem)
    if result.status == 0 and np.abs(result.x - np.round(result.x)).max() > 1e-6:
        result = milp(**problem, integrality=np.ones(n_vars))  # not expected: see the docstring
    return result
