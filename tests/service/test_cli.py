"""The ``cohorts`` command line against a real SQLite file: in process, as ``main(argv)``, but
for what only a real process shows (a closed pipe, a terminal, ``serve``)."""

from __future__ import annotations

import datetime as dt
import json
import os
import pty
import re
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from rich.cells import cell_len
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

import seed_data.demo
import seed_data.schemes
from service import demo
from service.db import create_db_engine, create_sessionmaker
from service.demo_notice import NOTICE_ROUND_NAME
from service.migrate import upgrade
from service.models import (
    ApiKey,
    Assignment,
    Firm,
    Membership,
    Nomination,
    Objection,
    Reviewer,
    SelectionRound,
)
from service.pages import session as page_session
from tests.service.builders import candidate_row, rows_to_csv
from tests.service.command_line import Cli, Outcome, sqlite_env


def _env(db: Path) -> dict[str, str]:
    return {**os.environ, **sqlite_env(db)}


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(capsys, monkeypatch)


def _run(cli: Cli, db: Path, *args: str, cwd: Path | None = None) -> Outcome:
    return cli(*args, env=sqlite_env(db), cwd=cwd)


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at head with the bundled schemes, as `cohorts db upgrade` leaves it (which
    test_commands_before_migration_say_run_db_upgrade_in_one_line runs itself): migrated once,
    in process, instead of by a command per test."""
    db = tmp_path_factory.mktemp("cli") / "migrated.db"
    upgrade(f"sqlite:///{db}", schemes=seed_data.schemes.load_every_bundled_version())
    assert not db.with_name(db.name + "-wal").exists()  # all of it is in the file a copy takes
    return db


def _migrated(source: Path, db: Path) -> Path:
    """A copy of the migrated file at ``db``."""
    shutil.copyfile(source, db)
    return db


def test_keys_create_prints_the_key_alone_and_stores_only_its_hash(
    cli: Cli, migrated: Path, tmp_path: Path
) -> None:
    db = _migrated(migrated, tmp_path / "cli.db")
    created = _run(cli, db, "keys", "create", "--role", "reviewer", "--label", "committee member 1")
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
    assert _run(cli, db, "keys", "create", "--role", "emperor", "--label", "x").returncode != 0
    revoked = _run(cli, db, "keys", "revoke", "--prefix", stored.prefix)
    assert revoked.returncode == 0, revoked.stderr
    assert "revoked" in _run(cli, db, "keys", "list").stdout


def test_reviewer_profiles_and_their_keys(cli: Cli, migrated: Path, tmp_path: Path) -> None:
    db = _migrated(migrated, tmp_path / "cli.db")
    made = _run(cli, db, "reviewers", "create", "--name", "李研究员", "--sector", "ai",
                "--sector", "quantum", "--affiliation", "中关村某研究院")
    assert made.returncode == 0, made.stderr
    profile = int(made.stdout.strip())
    astrology = _run(cli, db, "reviewers", "create", "--name", "x", "--sector", "astrology")
    assert astrology.returncode == 2
    first = _run(cli, db, "keys", "create", "--role", "reviewer", "--label", "li-1",
                 "--reviewer", str(profile))
    second = _run(cli, db, "keys", "create", "--role", "reviewer", "--label", "li-2",
                  "--reviewer", str(profile))
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert _run(cli, db, "keys", "create", "--role", "reviewer", "--label", "nobody",
                "--reviewer", "999").returncode == 2
    assert _run(cli, db, "keys", "create", "--role", "chair", "--label", "c",
                "--reviewer", str(profile)).returncode == 2
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        owners = connection.execute(select(ApiKey.reviewer_id).order_by(ApiKey.id)).scalars()
        assert list(owners) == [profile, profile]
    engine.dispose()
    listed = _run(cli, db, "reviewers", "list").stdout
    row = next(line for line in listed.splitlines() if "李研究员" in line)
    assert row.split()[1:] == ["李研究员", "ai,quantum", "中关村某研究院"]


def test_seed_demo_is_safe_to_run_twice(cli: Cli, migrated: Path, tmp_path: Path) -> None:
    db = _migrated(migrated, tmp_path / "demo.db")
    first = _run(cli, db, "seed", "demo")
    assert first.returncode == 0, first.stderr
    # Progress goes to stderr, one line per step when stderr is not a terminal.
    assert "seed demo [1/3] reading the SYNTHETIC demo data" in first.stderr
    assert "seed demo [3/3] committing" in first.stderr
    # The demo trains, backtests and activates a growth model on its SYNTHETIC records, once.
    assert "growth model [" in first.stderr
    assert "backtested and active" in first.stderr
    assert first.stdout == ""
    second = _run(cli, db, "seed", "demo")
    assert second.returncode == 0, second.stderr
    assert "a registry model is already stored" in second.stderr
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        firms = connection.scalar(select(func.count()).select_from(Firm))
        nominations = connection.scalar(select(func.count()).select_from(Nomination))
        reviewers = connection.scalar(select(func.count()).select_from(Reviewer))
        loads = list(connection.execute(
            select(Assignment.reviewer_id, func.count()).group_by(Assignment.reviewer_id)))
        notice_round = connection.execute(
            select(SelectionRound.id, SelectionRound.state, SelectionRound.notice_ends_on)
            .where(SelectionRound.name == NOTICE_ROUND_NAME)).one()
        objections = sorted(connection.execute(
            select(Objection.state, Objection.promoted_uscc.is_not(None))
            .where(Objection.round_id == notice_round.id)))
        members = connection.scalar(select(func.count()).select_from(Membership))
    engine.dispose()
    assert firms == 1500
    assert nominations == 1500 + 24  # the demo round's, and the notice round's seed firms
    # The notice round went through its period: one objection dismissed, one upheld and its
    # place given to the next waitlisted firm; published with its capacity of members.
    assert notice_round.state == "published"
    assert notice_round.notice_ends_on < dt.date.today()
    assert objections == [("dismissed", False), ("upheld", True)]
    assert members == 8
    assert reviewers == 12
    assert sum(n for _r, n in loads) == 3 * 1500  # three reviewers per nomination
    assert len(loads) == 12


def _evaluate(cli: Cli, db: Path, candidates: Path, *options: str) -> Outcome:
    """``cohorts scheme evaluate`` of the bundled tsme-2017 scheme on ``candidates``."""
    scheme = ("--scheme", "tsme-2017", "--reference-date", "2026-06-30")
    return _run(cli, db, "scheme", "evaluate", *scheme, "--input", str(candidates), *options)


def test_scheme_evaluate_prints_the_endpoint_result(
    cli: Cli, migrated: Path, tmp_path: Path
) -> None:
    db = _migrated(migrated, tmp_path / "eval.db")
    csv_path = tmp_path / "list.csv"
    csv_path.write_text(rows_to_csv([candidate_row(1), candidate_row(2)]), encoding="utf-8")
    out = _evaluate(cli, db, csv_path, "--format", "json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["scheme"]["id"] == "tsme-2017"
    assert len(result["results"]) == 2
    table = _evaluate(cli, db, csv_path)
    assert table.returncode == 0
    assert "rank" in table.stdout
    bad = _evaluate(cli, db, tmp_path / "no")
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr


FIXTURES = Path(__file__).resolve().parents[1] / "scoring" / "growth" / "fixtures"


def _seed_small_registry(db: Path) -> None:
    """Store a 150-firm SYNTHETIC demo registry (no round, no model) in the SQLite file ``db``."""
    engine = create_db_engine(f"sqlite:///{db}")
    try:
        with create_sessionmaker(engine).begin() as session:
            demo.load_demo(session, with_round=False, data=seed_data.demo.generate(n_firms=150))
    finally:
        engine.dispose()


def test_growth_backtest_train_and_activate(cli: Cli, migrated: Path, tmp_path: Path) -> None:
    db = _migrated(migrated, tmp_path / "growth.db")
    backtest = _run(
        cli,
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
    rolling = _run(
        cli,
        db,
        "growth",
        "backtest",
        "--data",
        str(FIXTURES),
        "--label",
        "exit-5y",
        "--kind",
        "logistic",
        "--rolling-origin",
        "--json",
    )
    assert rolling.returncode == 0, rolling.stderr
    spread = json.loads(rolling.stdout)
    assert spread["origins"] == [2006, 2007]
    assert set(spread["summary"]["auc"]) == {"mean", "std", "min", "max"}
    dishonest = _run(
        cli,
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

    # The registry: what the service stores, here a small SYNTHETIC one (150 firms, 2012-2025,
    # the demo's years), so the two registry trainings below take seconds, not a minute.
    flags = _migrated(migrated, tmp_path / "flags.db")
    assert _run(cli, flags, "seed", "demo", "--no-round", "--no-growth-model").returncode == 0
    _seed_small_registry(db)
    registry = _run(cli, db, "growth", "backtest", "--source", "registry", "--kind", "logistic",
                    "--json")
    assert registry.returncode == 0, registry.stderr
    assert "SYNTHETIC" in registry.stderr
    assert "growth backtest [" in registry.stderr
    split = json.loads(registry.stdout)
    assert (split["train_years"], split["test_years"]) == ([2012, 2020], [2021, 2022])
    trained = _run(cli, db, "growth", "train", "--source", "registry", "--kind", "logistic")
    assert trained.returncode == 0, trained.stderr
    assert "SYNTHETIC" in trained.stderr
    assert "growth train [100%] trained" in trained.stderr
    model_id = trained.stdout.strip()
    assert trained.stdout == model_id + "\n"
    assert len(model_id) == 64
    # A registry card holds its time-split backtest: activated on that evidence, no reason needed
    # (the refusal without evidence is tested in tests/service/test_growth.py).
    activated = _run(cli, db, "growth", "activate", model_id)
    assert activated.returncode == 0, activated.stderr
    assert "evidence: ROC AUC" in activated.stderr
    assert "beats" in activated.stderr
    assert "activated anyway" not in activated.stderr
    assert _run(cli, db, "growth", "activate", "deadbeefdeadbeef").returncode == 2

    # A Crunchbase model's card carries the label's honest split: first rounds to 2008, tested
    # on 2009-2010; it cannot score Haidian firms, so activating it is refused.
    crunchbase = _run(cli, db, "growth", "train", "--source", "crunchbase-2013", "--data",
                      str(FIXTURES), "--kind", "logistic", "--json")
    assert crunchbase.returncode == 0, crunchbase.stderr
    assert "growth train [  0%] choosing the kind on validation year 2008" in crunchbase.stderr
    card = json.loads(crunchbase.stdout)
    assert card["source"] == "crunchbase-2013"
    assert max(card["metrics"]["train_years"]) == 2008
    assert card["metrics"]["test_years"] == [2009, 2010]
    refused = _run(cli, db, "growth", "activate", card["model_id"])
    assert refused.returncode == 2
    assert "Traceback" not in refused.stderr


def test_a_progress_bar_draws_on_a_terminal_while_stdout_stays_parseable(tmp_path: Path) -> None:
    controller, terminal = pty.openpty()
    drawn = bytearray()

    def read_terminal() -> None:
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the process closed the terminal
                return
            if not chunk:
                return
            drawn.extend(chunk)

    reader = threading.Thread(target=read_terminal, daemon=True)
    reader.start()
    env = {**_env(tmp_path / "none.db"), "TERM": "xterm-256color", "COLUMNS": "120"}
    args = ["growth", "backtest", "--data", str(FIXTURES), "--train-until", "2007",
            "--test-years", "2008", "--kind", "logistic", "--json"]
    with subprocess.Popen([sys.executable, "-m", "service.cli", *args], env=env,
                          stdout=subprocess.PIPE, stderr=terminal, text=True) as process:
        os.close(terminal)
        stdout, _ = process.communicate(timeout=300)
    reader.join(timeout=10)
    os.close(controller)
    assert process.returncode == 0
    assert json.loads(stdout)["n_test"] > 0
    screen = drawn.decode("utf-8", errors="replace")
    assert "━" in screen  # the bar itself
    assert "100%" in screen  # fed by the library's progress callback
    assert "growth backtest: done" in screen


def test_commands_before_migration_say_run_db_upgrade_in_one_line(
    cli: Cli, tmp_path: Path
) -> None:
    db = tmp_path / "var" / "fresh.db"
    missing = _run(cli, db, "keys", "list")
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1
    assert "no database" in missing.stderr
    assert "run `cohorts db upgrade`" in missing.stderr
    assert not db.exists()  # checking did not create an empty file
    upgraded = _run(cli, db, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stderr.endswith("database at head, bundled schemes stored\n")
    listed = _run(cli, db, "scheme", "list")
    assert listed.returncode == 0, listed.stderr
    assert {"leader", "hidden-champion", "seed"} <= {
        line.split()[0] for line in listed.stdout.splitlines()[1:]
    }
    assert _run(cli, db, "db", "downgrade", "-1").returncode == 0
    behind = _run(cli, db, "seed", "demo")
    assert behind.returncode == 2
    assert re.fullmatch(r"cohorts: the database at .* is at revision \w+, this code at \w+; "
                        r"run `cohorts db upgrade`\n", behind.stderr), behind.stderr
    assert _run(cli, db, "db", "downgrade", "base").returncode == 0
    empty = _run(cli, db, "scheme", "list")
    assert empty.returncode == 2
    assert empty.stderr.endswith("is not migrated; run `cohorts db upgrade`\n")
    assert "Traceback" not in missing.stderr + behind.stderr + empty.stderr


def _demo_keys(stdout: str) -> dict[str, str]:
    return dict(line.split() for line in stdout.splitlines()[1:])


def test_keys_demo_reuses_the_saved_keys_until_rotated(
    cli: Cli, migrated: Path, tmp_path: Path
) -> None:
    db = _migrated(migrated, tmp_path / "keys.db")
    first = _run(cli, db, "keys", "demo", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    keys = _demo_keys(first.stdout)
    assert set(keys) == {"admin", "officer", "reviewer", "chair", "tracker"}
    saved = tmp_path / "var" / "demo-keys.txt"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert dict(line.split() for line in saved.read_text().splitlines()) == keys

    again = _run(cli, db, "keys", "demo", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "reused" in again.stdout
    assert _demo_keys(again.stdout) == keys

    rotated = _run(cli, db, "keys", "demo", "--rotate", "--file", str(saved))
    assert rotated.returncode == 0, rotated.stderr
    new_keys = _demo_keys(rotated.stdout)
    assert set(new_keys.values()).isdisjoint(keys.values())
    listed = _run(cli, db, "keys", "list").stdout
    assert listed.count(" revoked ") == 5
    assert listed.count(" active ") == 5

    # A saved key that no longer works (revoked, or a fresh database) is replaced, not printed.
    prefix = new_keys["chair"].split("_")[1]
    assert _run(cli, db, "keys", "revoke", "--prefix", prefix).returncode == 0
    renewed = _run(cli, db, "keys", "demo", "--file", str(saved))
    assert renewed.returncode == 0, renewed.stderr
    assert "new" in renewed.stdout.splitlines()[0]
    assert set(_demo_keys(renewed.stdout).values()).isdisjoint(new_keys.values())


def test_scheme_evaluate_table_aligns_firm_names_and_a_closed_pipe_is_quiet(
    cli: Cli, migrated: Path, tmp_path: Path
) -> None:
    db = _migrated(migrated, tmp_path / "table.db")
    csv_path = tmp_path / "list.csv"
    rows = [candidate_row(1), candidate_row(2, name="海淀示例二号人工智能科技股份有限公司")]
    csv_path.write_text(rows_to_csv(rows), encoding="utf-8")
    args = ("scheme", "evaluate", "--scheme", "tsme-2017", "--input", str(csv_path),
            "--reference-date", "2026-06-30")
    table = _run(cli, db, *args, "--format", "table")
    assert table.returncode == 0, table.stderr
    header, *lines = table.stdout.splitlines()[1:]
    assert header.split() == ["rank", "uscc", "name", "total", "passed", "eligible", "failed",
                              "gates"]
    assert len(lines) == 2
    for row in rows:
        assert any(row["name"] in line for line in lines)
    # Every total ends in the column the header's "total" ends in, counted in screen cells.
    end = cell_len(header[: header.index("total") + len("total")])
    for line in lines:
        total = re.search(r"\d+\.\d\d", line)
        assert total is not None
        assert cell_len(line[: total.end()]) == end

    # The reader is gone before the first line is written, as with `| head -1` on a long list.
    with subprocess.Popen([sys.executable, "-m", "service.cli", *args, "--format", "json"],
                          env=_env(db), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as process:
        assert process.stdout is not None
        process.stdout.close()
        _, stderr = process.communicate(timeout=300)
    assert process.returncode == 141
    assert stderr == ""


def test_serve_refuses_several_workers_with_a_metrics_port(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    assert _run(cli, db, "db", "upgrade").returncode == 0
    refused = subprocess.run(
        [sys.executable, "-m", "service.cli", "serve", "--workers", "2", "--no-migrate"],
        capture_output=True,
        text=True,
        env={**_env(db), "COHORTS_METRICS_PORT": "9464"},
        check=False,
        timeout=120,
    )
    assert refused.returncode == 2
    assert "--workers 1" in refused.stderr


def test_sessions_list_and_revoke(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    assert _run(cli, db, "db", "upgrade").returncode == 0
    created = _run(cli, db, "keys", "create", "--role", "chair", "--label", "the chair")
    assert created.returncode == 0
    engine = create_engine(f"sqlite:///{db}")
    with Session(engine) as session, session.begin():
        key_id = session.scalars(select(ApiKey.id)).one()
        for agent in ("Firefox", "Chromium"):
            page_session.open_session(session, key_id=key_id, lifetime_s=600, user_agent=agent)
    listed = _run(cli, db, "sessions", "list")
    assert listed.returncode == 0, listed.stderr
    assert "Firefox" in listed.stdout
    assert "Chromium" in listed.stdout
    assert "the chair" in listed.stdout
    first = listed.stdout.splitlines()[1].split()[0]
    one = _run(cli, db, "sessions", "revoke", "--id", first)
    assert one.returncode == 0, one.stderr
    assert "ended 1" in one.stderr
    rest = _run(cli, db, "sessions", "revoke", "--key", str(key_id))
    assert "ended 1" in rest.stderr
    assert _run(cli, db, "sessions", "list").stdout.count("\n") == 1  # the header alone
    engine.dispose()
