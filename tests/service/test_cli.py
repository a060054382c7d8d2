"""The ``cohorts`` command line, run as a real process against a real SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, func, select

from service.models import ApiKey, Assignment, Firm, Nomination, Reviewer


def _run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COHORTS_DATABASE_URL": f"sqlite:///{db}"}
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )


def test_keys_create_prints_the_key_alone_and_stores_only_its_hash(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    assert _run(db, "db", "upgrade").returncode == 0
    created = _run(db, "keys", "create", "--role", "reviewer", "--label", "committee member 1")
    assert created.returncode == 0, created.stderr
    lines = created.stdout.splitlines()
    assert len(lines) == 1
    raw = lines[0]
    assert raw.startswith("ck_")
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        stored = connection.execute(select(ApiKey.key_hash, ApiKey.prefix, ApiKey.role)).one()
    engine.dispose()
    assert raw not in stored.key_hash
    assert stored.role == "reviewer"
    assert _run(db, "keys", "create", "--role", "emperor", "--label", "x").returncode != 0
    revoked = _run(db, "keys", "revoke", "--prefix", stored.prefix)
    assert revoked.returncode == 0, revoked.stderr
    assert "revoked" in _run(db, "keys", "list").stdout


def test_reviewer_profiles_and_their_keys(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    assert _run(db, "db", "upgrade").returncode == 0
    made = _run(db, "reviewers", "create", "--name", "李研究员", "--sector", "ai",
                "--sector", "quantum", "--affiliation", "中关村某研究院")
    assert made.returncode == 0, made.stderr
    profile = int(made.stdout.strip())
    assert _run(db, "reviewers", "create", "--name", "x", "--sector", "astrology").returncode == 2
    first = _run(db, "keys", "create", "--role", "reviewer", "--label", "li-1",
                 "--reviewer", str(profile))
    second = _run(db, "keys", "create", "--role", "reviewer", "--label", "li-2",
                  "--reviewer", str(profile))
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert _run(db, "keys", "create", "--role", "reviewer", "--label", "nobody",
                "--reviewer", "999").returncode == 2
    assert _run(db, "keys", "create", "--role", "chair", "--label", "c",
                "--reviewer", str(profile)).returncode == 2
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        owners = connection.execute(select(ApiKey.reviewer_id).order_by(ApiKey.id)).scalars()
        assert list(owners) == [profile, profile]
    engine.dispose()
    listed = _run(db, "reviewers", "list").stdout
    assert "李研究员\tai,quantum\t中关村某研究院" in listed


def test_seed_demo_is_safe_to_run_twice(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    assert _run(db, "db", "upgrade").returncode == 0
    first = _run(db, "seed", "demo")
    assert first.returncode == 0, first.stderr
    second = _run(db, "seed", "demo")
    assert second.returncode == 0, second.stderr
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        firms = connection.scalar(select(func.count()).select_from(Firm))
        nominations = connection.scalar(select(func.count()).select_from(Nomination))
        reviewers = connection.scalar(select(func.count()).select_from(Reviewer))
        loads = list(connection.execute(
            select(Assignment.reviewer_id, func.count()).group_by(Assignment.reviewer_id)))
    engine.dispose()
    assert firms == 1500
    assert nominations == 1500
    assert reviewers == 12
    assert sum(n for _r, n in loads) == 3 * 1500  # three reviewers per nomination
    assert len(loads) == 12


def test_scheme_evaluate_prints_the_endpoint_result(tmp_path: Path) -> None:
    db = tmp_path / "eval.db"
    assert _run(db, "db", "upgrade").returncode == 0
    from tests.service.builders import candidate_row, rows_to_csv

    csv_path = tmp_path / "list.csv"
    csv_path.write_text(rows_to_csv([candidate_row(1), candidate_row(2)]), encoding="utf-8")
    out = _run(
        db,
        "scheme",
        "evaluate",
        "--scheme",
        "tsme-2017",
        "--input",
        str(csv_path),
        "--reference-date",
        "2026-06-30",
        "--format",
        "json",
    )
    assert out.returncode == 0, out.stderr
    import json

    result = json.loads(out.stdout)
    assert result["scheme"]["id"] == "tsme-2017"
    assert len(result["results"]) == 2
    table = _run(
        db,
        "scheme",
        "evaluate",
        "--scheme",
        "tsme-2017",
        "--input",
        str(csv_path),
        "--reference-date",
        "2026-06-30",
    )
    assert table.returncode == 0
    assert "rank" in table.stdout
    bad = _run(
        db,
        "scheme",
        "evaluate",
        "--scheme",
        "tsme-2017",
        "--input",
        str(tmp_path / "no"),
        "--reference-date",
        "2026-06-30",
    )
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr


FIXTURES = Path(__file__).resolve().parents[1] / "scoring" / "growth" / "fixtures"


def test_growth_backtest_train_and_activate(tmp_path: Path) -> None:
    import json

    db = tmp_path / "growth.db"
    assert _run(db, "db", "upgrade").returncode == 0
    backtest = _run(
        db,
        "growth",
        "backtest",
        "--source",
        "crunchbase-2013",
        "--data",
        str(FIXTURES),
        "--train-until",
        "2007",
        "--test-years",
        "2008",
        "--kind",
        "logistic",
        "--json",
    )
    assert backtest.returncode == 0, backtest.stderr
    result = json.loads(backtest.stdout)
    for key in (
        "n_train",
        "n_test",
        "base_rate",
        "auc",
        "brier",
        "precision_at_100",
        "baseline_auc",
        "baseline_precision_at_100",
    ):
        assert key in result
    dishonest = _run(
        db,
        "growth",
        "backtest",
        "--data",
        str(FIXTURES),
        "--train-until",
        "2009",
        "--test-years",
        "2009-2010",
    )
    assert dishonest.returncode == 2
    assert "Traceback" not in dishonest.stderr

    trained = _run(db, "growth", "train", "--source", "synthetic-panel", "--kind", "logistic")
    assert trained.returncode == 0, trained.stderr
    assert "SYNTHETIC" in trained.stderr
    model_id = trained.stdout.strip()
    assert len(model_id) == 64
    activated = _run(db, "growth", "activate", model_id)
    assert activated.returncode == 0, activated.stderr
    assert _run(db, "growth", "activate", "deadbeefdeadbeef").returncode == 2
