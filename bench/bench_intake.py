"""Benchmark: a 100,000-row candidate list through the real endpoint vs a bare Core insert.

Both run in the same invocation, on the same kind of database (a fresh SQLite file each), each
in its own subprocess so peak memory (max RSS) is measured per side. The data are SYNTHETIC
(``seed_data.demo.scale_rows``); the figures say how fast the code is, nothing about firms.

    python bench/bench_intake.py [--rows 100000] [--database sqlite|postgresql]

Target (issue 2): endpoint rate >= 25% of the bare insert's rate; endpoint peak < 1 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _csv_bytes(rows: int) -> bytes:
    from seed_data.demo import scale_rows

    return scale_rows(rows).to_csv(index=False).encode("utf-8")


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _database(kind: str, workdir: Path) -> tuple[str, object | None]:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}", None
    from tests.postgres_cluster import start_cluster

    cluster = start_cluster()
    return cluster.create_database("bench"), cluster


def run_endpoint(url: str, csv_path: Path) -> dict[str, float]:
    """POST the file to the real app in process (TestClient), as an officer would."""
    from fastapi.testclient import TestClient

    from service.app import create_app
    from service.db import create_sessionmaker
    from service.keys import create_key
    from service.migrate import upgrade
    from service.settings import Settings

    upgrade(url)
    app = create_app(
        Settings(database_url=url, log_json=False, log_level="WARNING",
                 max_body_bytes=200 * 1024 * 1024)
    )
    with create_sessionmaker(app.state.engine).begin() as session:
        _key, raw = create_key(session, role="admin", label="bench")
    data = csv_path.read_bytes()
    with TestClient(app) as client:
        headers = {"X-API-Key": raw}
        round_id = client.post(
            "/v1/rounds", json={"name": "bench", "year": 2026, "reference_date": "2026-06-30"},
            headers=headers,
        ).json()["id"]
        started = time.perf_counter()
        response = client.post(
            f"/v1/rounds/{round_id}/nominations",
            files={"file": ("bench.csv", data, "text/csv")},
            headers=headers,
        )
        elapsed = time.perf_counter() - started
    assert response.status_code == 201, response.text[:2000]
    stored = response.json()["rows_stored"]
    return {"seconds": elapsed, "rows": stored, "peak_mib": _peak_mib()}


def run_bare(url: str, csv_path: Path) -> dict[str, float]:
    """The same rows, already parsed, inserted with plain Core multi-row INSERTs (no checks)."""
    import datetime as dt

    import pandas as pd
    from sqlalchemy import insert

    from schemas.uscc import uscc_region
    from scoring.vocabulary import FILING_FIELDS
    from service.db import create_db_engine
    from service.migrate import upgrade
    from service.models import Filing, Firm, Nomination, NominationBatch, SelectionRound

    upgrade(url)
    frame = pd.read_csv(csv_path, dtype={"uscc": str})
    now = dt.datetime.now(dt.UTC)
    figures = [f.name for f in FILING_FIELDS]
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    firms = [
        {"uscc": r["uscc"], "name": r["name"], "name_en": r["name_en"],
         "founded_on": dt.date.fromisoformat(r["founded_on"]), "sector": r["sector"],
         "sub_segment": r["sub_segment"], "listed": bool(r["listed"]),
         "region": uscc_region(r["uscc"]), "version": 1, "created_at": now, "updated_at": now}
        for r in records
    ]
    filings = [
        {"uscc": r["uscc"], "fiscal_year": int(r["fiscal_year"]), "created_at": now,
         "updated_at": now, **{name: r[name] for name in figures}}
        for r in records
    ]
    engine = create_db_engine(url)
    started = time.perf_counter()
    with engine.begin() as connection:
        round_id = connection.execute(
            insert(SelectionRound).returning(SelectionRound.id),
            {"name": "bench", "year": 2026, "reference_date": dt.date(2026, 6, 30),
             "capacities": {}, "validity_years": 3, "state": "open", "created_at": now,
             "updated_at": now},
        ).scalar_one()
        batch_id = connection.execute(
            insert(NominationBatch).returning(NominationBatch.id),
            {"round_id": round_id, "submitted_by": "bench", "format": "csv", "mode": "all",
             "content_sha256": "0" * 64, "payload": b"", "rows_total": len(firms),
             "rows_stored": len(firms), "rows_rejected": 0, "errors": [], "created_at": now},
        ).scalar_one()
        connection.execute(insert(Firm), firms)
        connection.execute(insert(Filing), filings)
        connection.execute(
            insert(Nomination),
            [{"round_id": round_id, "uscc": r["uscc"], "cohort": r["cohort"],
              "batch_id": batch_id, "nominated_by": "bench", "state": "nominated",
              "created_at": now, "updated_at": now} for r in records],
        )
    elapsed = time.perf_counter() - started
    engine.dispose()
    return {"seconds": elapsed, "rows": len(firms), "peak_mib": _peak_mib()}


def _child(part: str, url: str, csv_path: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, __file__, "--part", part, "--url", url, "--csv", str(csv_path)],
        capture_output=True, text=True, env=env, check=False, timeout=1800,
    )
    if out.returncode != 0:
        raise SystemExit(f"{part} failed:\n{out.stderr[-4000:]}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--part", choices=["endpoint", "bare"])
    parser.add_argument("--url")
    parser.add_argument("--csv")
    args = parser.parse_args()
    if args.part:
        runner = run_endpoint if args.part == "endpoint" else run_bare
        print(json.dumps(runner(args.url, Path(args.csv))))
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        csv_path = workdir / "bench.csv"
        csv_path.write_bytes(_csv_bytes(args.rows))
        results = {}
        for part in ("bare", "endpoint"):
            sub = workdir / part
            sub.mkdir()
            url, cluster = _database(args.database, sub)
            try:
                results[part] = _child(part, url, csv_path)
            finally:
                if cluster is not None:
                    cluster.stop()  # type: ignore[attr-defined]
    bare, endpoint = results["bare"], results["endpoint"]
    bare_rate = bare["rows"] / bare["seconds"]
    endpoint_rate = endpoint["rows"] / endpoint["seconds"]
    print(f"intake benchmark — {args.rows} SYNTHETIC rows, {args.database}")
    print(f"  bare Core insert : {bare_rate:10.0f} rows/s ({bare['seconds']:.2f} s)")
    print(f"  endpoint (CSV)   : {endpoint_rate:10.0f} rows/s ({endpoint['seconds']:.2f} s), "
          f"peak RSS {endpoint['peak_mib']:.0f} MiB")
    print(f"  ratio endpoint/bare: {endpoint_rate / bare_rate:.2%} (target >= 25%), "
          f"peak {'<' if endpoint['peak_mib'] < 1024 else '>='} 1 GiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
