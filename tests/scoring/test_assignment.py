"""Reviewer assignment: k distinct eligible reviewers each, balanced loads, expertise, determinism,
kept pairs, and infeasible inputs named."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.assignment import Assignment, Nomination, Reviewer, assign_reviewers
from scoring.errors import AssignmentInfeasible, ScoringInputError

SECTORS = ("ai", "ic", "bio", "fintech")


def _nominations(n: int) -> list[Nomination]:
    return [Nomination(i, SECTORS[i % len(SECTORS)], f"USCC{i:04d}", f"Firm {i}")
            for i in range(n)]


def _reviewers(n: int) -> list[Reviewer]:
    return [Reviewer(100 + j, frozenset({SECTORS[j % len(SECTORS)]})) for j in range(n)]


def _loads(result: list[Assignment]) -> Counter[int]:
    return Counter(a.reviewer for a in result)


def _check(result: list[Assignment], nominations: list[Nomination], reviewers: list[Reviewer],
           k: int, conflicts: set[tuple[int, int]], max_load: int | None = None) -> None:
    per_nomination: dict[int, list[int]] = {}
    for a in result:
        per_nomination.setdefault(a.nomination, []).append(a.reviewer)
    assert set(per_nomination) == {n.id for n in nominations}
    for nid, revs in per_nomination.items():
        assert len(revs) == k
        assert len(set(revs)) == k
        assert not {(nid, r) for r in revs} & conflicts
    loads = _loads(result)
    every = [loads.get(r.id, 0) for r in reviewers]
    if max_load is None:
        assert max(every) - min(every) <= 1
    else:
        assert max(every) <= max_load
    for a in result:
        assert a.reviewer_load == loads[a.reviewer]


def test_every_nomination_gets_k_reviewers_with_balanced_loads_and_expertise() -> None:
    nominations, reviewers = _nominations(40), _reviewers(12)
    result = assign_reviewers(nominations, reviewers, k=3)
    _check(result, nominations, reviewers, 3, set())
    # 12 reviewers, 3 per sector, 10 nominations per sector × 3 = 30 = 3 × 10: all can match.
    assert all(a.sector_match for a in result)
    assert all("sector match (" in a.reason and "reviewer load" in a.reason for a in result)


def test_expertise_is_maximised_where_loads_forbid_a_full_match() -> None:
    # Every nomination is AI, and only one of four reviewers knows AI: they take the balanced
    # maximum, never more.
    nominations = [Nomination(i, "ai", f"U{i}") for i in range(8)]
    reviewers = [Reviewer(1, frozenset({"ai"}))] + [Reviewer(j, frozenset({"bio"}))
                                                    for j in (2, 3, 4)]
    result = assign_reviewers(nominations, reviewers, k=2)
    assert _loads(result) == {1: 4, 2: 4, 3: 4, 4: 4}
    assert sum(a.sector_match for a in result) == 4
    assert {a.reason.split("; ")[1] for a in result if a.reviewer != 1} == {"no sector match"}


def test_conflicts_and_affiliations_by_uscc_or_name_are_never_assigned() -> None:
    nominations = _nominations(6)
    reviewers = [Reviewer(1, affiliations=frozenset({"uscc0000"})),
                 Reviewer(2, affiliations=frozenset({"  firm   1 "})),
                 Reviewer(3), Reviewer(4), Reviewer(5)]
    conflicts = {(2, 3), (4, 4)}
    result = assign_reviewers(nominations, reviewers, k=3, conflicts=conflicts)
    pairs = {(a.nomination, a.reviewer) for a in result}
    assert (0, 1) not in pairs
    assert (1, 2) not in pairs
    assert not pairs & conflicts
    _check(result, nominations, reviewers, 3, conflicts)


def test_same_inputs_in_any_order_give_the_same_assignment() -> None:
    nominations, reviewers = _nominations(30), _reviewers(9)
    conflicts = [(i, 100 + (i * 7) % 9) for i in range(30)]
    first = assign_reviewers(nominations, reviewers, k=3, conflicts=conflicts)
    again = assign_reviewers(nominations[::-1], reviewers[::-1], k=3, conflicts=conflicts[::-1])
    assert sorted(first, key=lambda a: (a.nomination, a.reviewer)) == sorted(
        again, key=lambda a: (a.nomination, a.reviewer))


def test_kept_assignments_stay_and_count_towards_k_and_load() -> None:
    nominations, reviewers = _nominations(10), _reviewers(5)
    # Reviewer 101 knows "ic", not "ai": a pair the solver would not choose by itself.
    kept = [(0, 101), (4, 101)]
    result = assign_reviewers(nominations, reviewers, k=2, fixed=kept)
    pairs = {(a.nomination, a.reviewer): a for a in result}
    assert all(pairs[p].fixed and pairs[p].reason.startswith("kept by hand") for p in kept)
    assert sum(a.fixed for a in result) == 2
    _check(result, nominations, reviewers, 2, set())


def test_max_load_replaces_the_balance_rule() -> None:
    nominations = [Nomination(i, "ai", f"U{i}") for i in range(6)]
    reviewers = [Reviewer(1, frozenset({"ai"})), Reviewer(2, frozenset({"ai"})),
                 Reviewer(3), Reviewer(4)]
    result = assign_reviewers(nominations, reviewers, k=2, max_load=6)
    # The experts take everything they can: 12 places, 2 experts × 6.
    assert _loads(result) == {1: 6, 2: 6}
    assert all(a.sector_match for a in result)


def test_too_few_eligible_reviewers_names_the_nominations_and_how_many() -> None:
    nominations, reviewers = _nominations(4), _reviewers(4)
    conflicts = [(2, 100), (2, 101), (3, 103)]
    with pytest.raises(AssignmentInfeasible) as caught:
        assign_reviewers(nominations, reviewers, k=3, conflicts=conflicts)
    assert caught.value.short_nominations == {2: 1}
    assert "nomination 2: 1 short" in str(caught.value)


def test_k_larger_than_the_pool_is_infeasible_for_every_nomination() -> None:
    with pytest.raises(AssignmentInfeasible, match="larger than the pool") as caught:
        assign_reviewers(_nominations(2), _reviewers(2), k=3)
    assert caught.value.short_nominations == {0: 1, 1: 1}


def test_max_load_too_small_names_the_capacity_short() -> None:
    with pytest.raises(AssignmentInfeasible, match="6 short"):
        assign_reviewers(_nominations(10), _reviewers(4), k=3, max_load=6)


def test_a_reviewer_who_cannot_reach_the_balanced_load_is_named() -> None:
    nominations, reviewers = _nominations(6), _reviewers(3)
    # Balanced load is 6 × 2 / 3 = 4; reviewer 102 is conflicted with four of six.
    conflicts = [(i, 102) for i in range(4)]
    with pytest.raises(AssignmentInfeasible, match="state a max_load") as caught:
        assign_reviewers(nominations, reviewers, k=2, conflicts=conflicts)
    assert caught.value.short_reviewers == {102: 2}
    relaxed = assign_reviewers(nominations, reviewers, k=2, conflicts=conflicts, max_load=5)
    _check(relaxed, nominations, reviewers, 2, set(conflicts), max_load=5)


def test_a_solver_level_infeasibility_is_typed() -> None:
    # Each nomination alone has enough reviewers and the pool enough places (4 × 3 = 12), yet
    # nominations 0-3 may use only reviewers 1-2, who can take 2 × 3 = 6 of the 8 they need.
    nominations = [Nomination(i, "ai", f"U{i}") for i in range(6)]
    reviewers = [Reviewer(j) for j in range(1, 5)]
    conflicts = [(i, j) for i in range(4) for j in (3, 4)]
    with pytest.raises(AssignmentInfeasible, match="no assignment"):
        assign_reviewers(nominations, reviewers, k=2, conflicts=conflicts, max_load=3)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"k": 0}, "k: "),
    ({"max_load": 0}, "max_load: "),
    ({"conflicts": [(99, 100)]}, "conflicts: unknown"),
    ({"fixed": [(0, 999)]}, "fixed: unknown"),
    ({"fixed": [(0, 100), (0, 100)]}, "assigned twice"),
    ({"fixed": [(0, 100)], "conflicts": [(0, 100)]}, "conflicted or affiliated"),
    ({"fixed": [(0, 100), (0, 101), (0, 102), (0, 103)]}, "more than k"),
])
def test_malformed_input_names_the_field(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ScoringInputError, match=message):
        assign_reviewers(_nominations(4), _reviewers(5), **kwargs)  # type: ignore[arg-type]


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(ScoringInputError, match="reviewers: ids given more than once"):
        assign_reviewers(_nominations(2), [Reviewer(1), Reviewer(1), Reviewer(2)], k=1)


def test_no_nominations_means_no_assignments() -> None:
    assert assign_reviewers([], _reviewers(3)) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_noms=st.integers(1, 25),
    n_revs=st.integers(1, 10),
    k=st.integers(1, 4),
    conflict_bits=st.lists(st.booleans(), min_size=250, max_size=250),
    max_load=st.one_of(st.none(), st.integers(1, 12)),
    kept_bits=st.lists(st.booleans(), min_size=25, max_size=25),
)
def test_constraints_always_hold_or_the_failure_is_typed(
    n_noms: int, n_revs: int, k: int, conflict_bits: list[bool], max_load: int | None,
    kept_bits: list[bool],
) -> None:
    nominations, reviewers = _nominations(n_noms), _reviewers(n_revs)
    # About a quarter of pairs conflicted, drawn from the bits.
    conflicts = {(i, 100 + j) for i in range(n_noms) for j in range(n_revs)
                 if conflict_bits[(i * 10 + j) % 250] and conflict_bits[(i * 10 + j + 7) % 250]}
    kept = [(i, 100 + (i % n_revs)) for i in range(n_noms)
            if kept_bits[i] and (i, 100 + (i % n_revs)) not in conflicts]
    try:
        result = assign_reviewers(nominations, reviewers, k=k, conflicts=conflicts,
                                  fixed=kept, max_load=max_load)
    except AssignmentInfeasible as error:
        eligible = {i: n_revs - sum((i, 100 + j) in conflicts for j in range(n_revs))
                    for i in range(n_noms)}
        for nid, short in error.short_nominations.items():
            assert short == k - eligible[nid] > 0
        return
    _check(result, nominations, reviewers, k, conflicts, max_load)
    chosen = {(a.nomination, a.reviewer) for a in result}
    assert set(kept) <= chosen
