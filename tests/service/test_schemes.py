"""Schemes over HTTP: bundled versions, versions only go up, a 422 naming the key, evaluation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete

import scoring
import seed_data.schemes
from service.models import StoredScheme
from service.schemes import service as schemes_service
from tests.service.builders import candidate_row
from tests.service.selection.builders import candidate_csv, nominate, open_round, to_state

Headers = Callable[[str], dict[str, str]]


def _seed_document(**changes: Any) -> dict[str, Any]:
    seed = seed_data.schemes.load_bundled_scheme("seed")
    document = seed.model_dump(mode="json", exclude_none=True)
    document.update(changes)
    return document


def test_bundled_schemes_are_listed_with_the_active_cohort_versions(
    client: TestClient, as_role: Headers
) -> None:
    listed = client.get("/v1/schemes", headers=as_role("reviewer")).json()
    ids = {s["scheme_id"] for s in listed}
    assert {"tsme-2017", "hnte-2016-growth", "innovative-sme-2022"} <= ids
    assert {"leader", "hidden-champion", "seed"} <= ids
    active = {s["scheme_id"]: s["version"] for s in listed if s["active"]}
    assert active == {"leader": 4, "hidden-champion": 3, "seed": 4}
    # The reference schemes' latest versions carry bilingual rule titles (version 2).
    tsme = client.get("/v1/schemes/tsme-2017", headers=as_role("chair")).json()
    assert tsme["version"] == 2
    assert all(" — " in g["title"] for g in tsme["document"]["gates"])
    first = client.get("/v1/schemes/seed", params={"version": 1}, headers=as_role("chair")).json()
    assert [g["id"] for g in first["document"]["gates"] if g["indicator"] == "ip_class1"] == [
        "own-ip"]  # version 1 stays readable, its Class I gate intact
    one = client.get("/v1/schemes/tsme-2017", headers=as_role("chair")).json()
    assert one["document"]["id"] == "tsme-2017"
    assert len(one["fingerprint"]) == 64
    assert client.get("/v1/schemes/nope", headers=as_role("chair")).status_code == 404


def test_a_new_version_becomes_active_and_old_versions_never_change(
    client: TestClient, as_role: Headers
) -> None:
    # Versions 1 to 4 of seed are bundled; an admin's revision is version 5.
    v5 = _seed_document(version=5, title="种子企业100 — 2027 revision")
    created = client.post("/v1/schemes", json=v5, headers=as_role("admin"))
    assert created.status_code == 201, created.text
    assert created.json()["active"] is True
    again = client.post("/v1/schemes", json=v5, headers=as_role("admin"))
    assert again.status_code == 201  # the identical version is simply returned
    changed = client.post(
        "/v1/schemes", json=_seed_document(version=5, title="changed"), headers=as_role("admin")
    )
    assert changed.status_code == 409
    assert "version 6" in changed.json()["detail"]
    for version in (1, 2, 3, 4):
        old = client.get("/v1/schemes/seed", params={"version": version},
                         headers=as_role("admin")).json()
        assert old["active"] is False
        assert old["document"]["title"] != "种子企业100 — 2027 revision"
    events = client.get(
        "/v1/audit", params={"action": "scheme.create"}, headers=as_role("admin")
    ).json()["items"]
    assert [e["target_id"] for e in events] == ["seed@5"]


def test_yaml_schemes_are_accepted(client: TestClient, as_role: Headers) -> None:
    import yaml

    body = yaml.safe_dump(_seed_document(id="seed-trial", version=1), allow_unicode=True)
    response = client.post(
        "/v1/schemes",
        content=body.encode(),
        headers={**as_role("admin"), "Content-Type": "application/yaml"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["active"] is False  # a variant is evaluable, never silently active
    active = client.get("/v1/schemes/seed", headers=as_role("admin")).json()
    assert active["active"] is True


def test_a_bad_scheme_is_422_naming_the_key(client: TestClient, as_role: Headers) -> None:
    document = _seed_document(version=5)
    document["criteria"][0]["weight"] = -1
    response = client.post("/v1/schemes", json=document, headers=as_role("admin"))
    assert response.status_code == 422
    locations = [e["loc"][-1] for e in response.json()["errors"]]
    assert any(str(loc).startswith("criteria[0]") for loc in locations), locations
    not_a_mapping = client.post("/v1/schemes", json=[1, 2], headers=as_role("admin"))
    assert not_a_mapping.status_code == 422
    broken_yaml = client.post(
        "/v1/schemes",
        content=b"id: [unclosed",
        headers={**as_role("admin"), "Content-Type": "application/yaml"},
    )
    assert broken_yaml.status_code == 422


def test_evaluate_scores_without_storing(client: TestClient, as_role: Headers) -> None:
    rows = [candidate_row(1), candidate_row(2, rd_expense=100_000.0), candidate_row(3)]
    response = client.post(
        "/v1/schemes/tsme-2017/evaluate",
        json={"reference_date": "2026-06-30", "rows": rows},
        headers=as_role("reviewer"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scheme"]["id"] == "tsme-2017"
    results = {r["uscc"]: r for r in body["results"]}
    assert len(results) == 3
    first = results[rows[0]["uscc"]]
    assert {c["criterion"] for c in first["criteria"]} >= {"technical_staff", "rd_input", "ip"}
    assert all({"raw", "normalised", "points"} <= set(c) for c in first["criteria"])
    assert results[rows[1]["uscc"]]["total"] < first["total"]
    assert client.get(f"/v1/firms/{rows[0]['uscc']}", headers=as_role("admin")).status_code == 404
    bad = client.post(
        "/v1/schemes/tsme-2017/evaluate",
        json={"reference_date": "2026-06-30", "rows": [candidate_row(4, employees=-1)]},
        headers=as_role("officer"),
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["row"] == 1
    assert bad.json()["errors"][0]["field"] == "employees"


def test_evaluate_reads_the_row_limit_from_the_settings(
    app: FastAPI, client: TestClient, as_role: Headers
) -> None:
    rows = [candidate_row(1), candidate_row(2), candidate_row(3)]
    settings = app.state.settings
    app.state.settings = settings.model_copy(update={"max_rows": 2})
    try:
        response = client.post(
            "/v1/schemes/tsme-2017/evaluate",
            json={"reference_date": "2026-06-30", "rows": rows},
            headers=as_role("reviewer"),
        )
    finally:
        app.state.settings = settings
    assert response.status_code == 422, response.text
    assert "more than the 2 one request may hold" in response.json()["errors"][0]["message"]


def test_storing_the_bundled_schemes_again_adds_nothing_and_never_undercuts_an_admin(
    app: FastAPI, client: TestClient, as_role: Headers
) -> None:
    v5 = _seed_document(version=5, title="种子企业100 — an admin's revision")
    assert client.post("/v1/schemes", json=v5, headers=as_role("admin")).status_code == 201
    bundled_v5 = scoring.load_scheme(_seed_document(version=5, title="a later bundled seed"))
    bundled_v6 = scoring.load_scheme(_seed_document(version=6, title="a later bundled seed"))
    bundled = [*seed_data.schemes.load_every_bundled_version(), bundled_v5]
    with app.state.write_sessions.begin() as session:
        schemes_service.store_bundled(session, bundled)
    seed = client.get("/v1/schemes", params={"cohort": "seed"}, headers=as_role("admin")).json()
    titles = {s["version"]: s["title"] for s in seed if s["scheme_id"] == "seed"}
    assert sorted(titles) == [1, 2, 3, 4, 5]
    assert titles[5] == "种子企业100 — an admin's revision"
    with app.state.write_sessions.begin() as session:
        schemes_service.store_bundled(session, [bundled_v6])
    active = client.get("/v1/schemes/seed", headers=as_role("admin")).json()
    assert (active["version"], active["active"]) == (6, True)


def test_scoring_a_cohort_with_no_stored_scheme_says_to_run_db_upgrade(
    app: FastAPI, client: TestClient, as_role: Headers
) -> None:
    round_id = open_round(client, as_role)
    nominate(client, as_role, round_id, candidate_csv(3))
    assert to_state(client, as_role, round_id, "scoring").status_code == 200
    with app.state.write_sessions.begin() as session:
        session.execute(delete(StoredScheme).where(StoredScheme.scheme_id == "seed"))
    response = client.post(
        f"/v1/rounds/{round_id}/cohorts/seed/score-runs", headers=as_role("admin")
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "`cohorts db upgrade`" in response.json()["detail"]
    assert client.get("/v1/schemes/seed", headers=as_role("admin")).status_code == 404
