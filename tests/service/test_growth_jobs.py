"""Training a growth model through the API: a background job with progress, and its outcomes."""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

import seed_data.demo
from service import demo
from service.growth.jobs import service as jobs
from service.models import GrowthTrainingJob, utcnow
from service.settings import Settings
from tests.scoring.growth.builders import FIXTURES

Headers = Callable[[str], dict[str, str]]


def _seed_small_registry(app: FastAPI) -> None:
    """A small SYNTHETIC registry (150 firms, 2012-2025), so a training takes seconds."""
    with app.state.write_sessions.begin() as session:
        demo.load_demo(session, with_round=False, data=seed_data.demo.generate(n_firms=150))


def test_a_registry_training_job_reports_progress_and_stores_an_activatable_model(
    client: TestClient, as_role: Headers, app: FastAPI
) -> None:
    _seed_small_registry(app)
    started = client.post(
        "/v1/growth-models",
        json={"source": "registry", "kind": "logistic", "name": "from the API"},
        headers=as_role("admin"),
    )
    assert started.status_code == 202, started.text
    location = started.headers["location"]
    assert location == f"/v1/growth-models/jobs/{started.json()['id']}"
    assert started.json()["state"] == "queued"
    # The test client runs the background task before it returns; the job has ended.
    job = client.get(location, headers=as_role("admin")).json()
    assert job["state"] == "succeeded", job
    assert job["percent"] == 100
    assert job["label"] == "oecd-high-growth-3y"
    stages = [m["stage"] for m in job["messages"]]
    assert any("choosing the kind" in s for s in stages)
    assert stages[-1] == f"stored model {job['model_id']}"
    percents = [m["percent"] for m in job["messages"]]
    assert percents == sorted(percents)
    models = client.get("/v1/growth-models", headers=as_role("admin")).json()
    model = next(m for m in models if m["id"] == job["model_id"])
    assert model["label"] == "from the API"
    assert model["card"]["synthetic"] is True
    assert model["card"]["backtest"]["model"]["auc"] > 0.5
    activated = client.post(
        f"/v1/growth-models/{job['model_id']}/activate", headers=as_role("admin")
    )
    assert activated.status_code == 200, activated.text


def test_a_job_that_cannot_train_fails_with_a_problem(
    client: TestClient, as_role: Headers
) -> None:
    # No filings stored: the job starts, then fails with the reason as a problem detail.
    started = client.post("/v1/growth-models", json={}, headers=as_role("admin"))
    assert started.status_code == 202, started.text
    job = client.get(started.headers["location"], headers=as_role("admin")).json()
    assert job["state"] == "failed"
    assert job["model_id"] is None
    assert job["error"]["status"] == 422
    assert "filings" in job["error"]["detail"]


def test_a_crunchbase_job_trains_on_the_configured_export(
    make_app: Callable[..., FastAPI], app_settings: Settings, as_role: Headers
) -> None:
    configured = make_app(app_settings.model_copy(update={"growth_crunchbase_dir": FIXTURES}))
    with TestClient(configured) as client:
        started = client.post(
            "/v1/growth-models",
            json={"source": "crunchbase-2013", "kind": "logistic"},
            headers=as_role("admin"),
        )
        assert started.status_code == 202, started.text
        job = client.get(started.headers["location"], headers=as_role("admin")).json()
        assert job["state"] == "succeeded", job
        assert job["label"] == "series-b-3y"
        models = client.get("/v1/growth-models", headers=as_role("admin")).json()
    card = next(m for m in models if m["id"] == job["model_id"])["card"]
    assert card["source"] == "crunchbase-2013"
    assert card["backtest"]["test_years"] == [2009, 2010]
    assert card["backtest"]["amount_only_baseline"] == {
        key: card["backtest"]["baseline"][key] for key in ("auc", "brier", "precision_at_100")
    }


def test_bad_requests_are_refused_before_any_job(client: TestClient, as_role: Headers) -> None:
    admin = as_role("admin")
    wrong_label = client.post(
        "/v1/growth-models", json={"source": "registry", "label": "exit-5y"}, headers=admin
    )
    assert wrong_label.status_code == 422
    assert wrong_label.json()["errors"][0]["loc"] == ["body", "label"]
    unconfigured = client.post(
        "/v1/growth-models", json={"source": "crunchbase-2013"}, headers=admin
    )
    assert unconfigured.status_code == 422
    assert unconfigured.json()["errors"][0]["loc"] == ["body", "source"]
    unknown = client.post("/v1/growth-models", json={"source": "elsewhere"}, headers=admin)
    assert unknown.status_code == 422
    missing = client.get("/v1/growth-models/jobs/" + "0" * 32, headers=admin)
    assert missing.status_code == 404
    officer = client.post("/v1/growth-models", json={}, headers=as_role("officer"))
    assert officer.status_code == 403


def _orphan(app: FastAPI, *, runner: str, beat: dt.datetime) -> str:
    with app.state.write_sessions.begin() as session:
        job = GrowthTrainingJob(
            id=os.urandom(16).hex(), source="registry", label="oecd-high-growth-3y",
            options={}, state="running", stage="fitting", percent=40, messages=[],
            runner=runner, created_by="test", created_at=beat, heartbeat_at=beat,
        )
        session.add(job)
        return job.id


def test_a_job_whose_process_is_gone_reads_and_is_swept_as_interrupted(
    client: TestClient, as_role: Headers, app: FastAPI
) -> None:
    now = utcnow()
    # Another process of this host that no longer exists (a restart): interrupted at once.
    dead = _orphan(app, runner=f"{socket.gethostname()}:{2**22 + 7}:feedface", beat=now)
    # A process elsewhere that stopped reporting long ago.
    silent = _orphan(app, runner="elsewhere:1:cafe", beat=now - dt.timedelta(hours=1))
    # A process elsewhere that reported just now: still running.
    alive = _orphan(app, runner="elsewhere:1:beef", beat=now)
    admin = as_role("admin")
    for job_id in (dead, silent):
        job = client.get(f"/v1/growth-models/jobs/{job_id}", headers=admin).json()
        assert job["state"] == "failed"
        assert "interrupted" in job["error"]["detail"]
    assert client.get(f"/v1/growth-models/jobs/{alive}", headers=admin).json()["state"] == (
        "running"
    )
    swept = jobs.sweep_interrupted(app.state.write_sessions, stale_seconds=300)
    assert swept == 2
    with app.state.read_sessions() as session:
        states = {j: jobs.get_or_raise(session, j).state for j in (dead, silent, alive)}
    assert states == {dead: "failed", silent: "failed", alive: "running"}


def test_the_document_shows_the_training_request_and_the_job_location(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/v1/growth-models"]["post"]
    body = operation["requestBody"]["content"]["application/json"]
    assert body["example"]["source"] == "registry"
    assert "Location" in operation["responses"]["202"]["headers"]
    assert "admin" in operation["description"] + str(operation.get("x-roles", ""))
