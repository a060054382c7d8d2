"""The explanations kept per run: a shortlist read through them equals one read from the rows,
whoever reads (a conflicted, assigned reviewer included), and only the bound of rows is kept."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.keys import authenticate
from service.selection.explained import ExplanationCache
from service.selection.shortlists import service as shortlists_service
from tests.service.selection.builders import Headers, assign_cohort, score, scored_round, shortlist


def _ranked_with_the_first_hidden(
    client: TestClient, as_role: Headers
) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]]]:
    """A scored, assigned round whose reviewer declared a conflict with the first-ranked firm:
    (round id, every item as the chair reads it, the ranked ones in rank order)."""
    round_id = scored_round(client, as_role, per_cohort=12)
    assign_cohort(client, as_role, round_id, "seed")
    items = shortlist(client, as_role("chair"), round_id, "seed")["items"]
    ranked = sorted((i for i in items if i["rank"] is not None), key=lambda i: i["rank"])
    declared = client.post(f"/v1/rounds/{round_id}/nominations/{ranked[0]['nomination_id']}/"
                           "conflicts", json={"reason": "shareholder"}, headers=as_role("reviewer"))
    assert declared.status_code == 201, declared.text
    return round_id, items, ranked


def test_a_read_through_the_cache_equals_a_read_from_the_rows(
    client: TestClient, as_role: Headers, app: FastAPI
) -> None:
    round_id, _, ranked = _ranked_with_the_first_hidden(client, as_role)
    reviewer, first = as_role("reviewer"), ranked[0]
    cache = ExplanationCache()
    with app.state.read_sessions() as session:
        for headers in (reviewer, as_role("chair")):
            principal = authenticate(session, headers["X-API-Key"])
            assert principal is not None
            for usccs in (None, [first["uscc"]]):
                plain = shortlists_service.read(
                    session, principal, round_id=round_id, cohort="seed", usccs=usccs,
                    compare="topsis")
                cached = shortlists_service.read(
                    session, principal, round_id=round_id, cohort="seed", usccs=usccs,
                    compare="topsis", explained=cache)
                assert cached.items == plain.items
                if principal.role == "reviewer":  # the conflicted firm stays hidden, no gap
                    assert first["uscc"] not in {i["uscc"] for i in cached.items}
                    ranks = sorted(i["rank"] for i in cached.items if i["rank"] is not None)
                    assert ranks == list(range(1, len(ranks) + 1))


def test_the_cache_keeps_at_most_its_bound_of_rows(
    client: TestClient, as_role: Headers, app: FastAPI
) -> None:
    round_id = scored_round(client, as_role, per_cohort=4)
    runs = [score(client, as_role, round_id, "seed")["id"] for _ in range(2)]
    cache = ExplanationCache(max_rows=7)  # one run of four rows, not two
    with app.state.read_sessions() as session:
        kept = cache.of_run(session, runs[0])
        assert len(kept) == 4
        assert cache.of_run(session, runs[0]) is kept  # decoded once
        cache.of_run(session, runs[1])
        again = cache.of_run(session, runs[0])  # evicted by the second run, so read again
        assert again is not kept
        assert again == kept
        small = ExplanationCache(max_rows=2)  # a run over the bound is kept alone, not refused
        alone = small.of_run(session, runs[1])
        assert len(alone) == 4
        assert small.of_run(session, runs[1]) is alone


def test_a_firm_read_decodes_its_own_row_and_the_hidden_ones_only(
    client: TestClient, as_role: Headers, app: FastAPI
) -> None:
    round_id, items, ranked = _ranked_with_the_first_hidden(client, as_role)
    reviewer, wanted = as_role("reviewer"), ranked[-1]
    with app.state.read_sessions() as session:
        principal = authenticate(session, reviewer["X-API-Key"])
        assert principal is not None
        cache = ExplanationCache()
        plain = shortlists_service.read(session, principal, round_id=round_id, cohort="seed",
                                        usccs=[wanted["uscc"]], compare="topsis")
        cached = shortlists_service.read(session, principal, round_id=round_id, cohort="seed",
                                         usccs=[wanted["uscc"]], compare="topsis", explained=cache)
        assert cached.items == plain.items  # its rank counts only the firms the reviewer sees
        assert cached.items[0]["rank"] == wanted["rank"] - 1
        run_id = cached.run.id
        kept = cache.of_run(session, run_id, [wanted["position"], ranked[0]["position"]])
        assert set(kept) == {wanted["position"], ranked[0]["position"]}  # two rows of twelve
        every = cache.of_run(session, run_id)
        assert len(every) == len(items)
        assert every[wanted["position"]] == kept[wanted["position"]]
        assert cache.of_run(session, run_id, [wanted["position"]]) is every  # nothing re-read
