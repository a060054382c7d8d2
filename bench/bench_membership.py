"""Benchmark: membership reads for the tracker and an explained shortlist, against uvicorn.

One uvicorn process on loopback serves a fresh SQLite database (or PostgreSQL) holding a
published round with 100 ``leader`` members (SYNTHETIC demo firms). A Python load client
(threads, one keep-alive ``httpx.Client`` each, a fixed number of requests) measures, in the same
run and against the same server:

- ``GET /healthz`` (the baseline) and ``GET /v1/cohorts/leader/members`` (100 members), req/s;
- the same members request with ``If-None-Match`` → 304, req/s;
- ``GET …/cohorts/leader/shortlist?limit=100`` (100 explained rows) at 16 concurrent clients,
  latency percentiles.

    python bench/bench_membership.py [--requests 3000] [--clients 8] [--database sqlite]

Targets (issue 4): members ≥ 50% of healthz req/s; 304s ≥ 80%; shortlist p99 < 100 ms.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _database(kind: str, workdir: Path) -> tuple[str, Any]:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}", None
    from tests.postgres_cluster import start_cluster

    cluster = start_cluster()
    return cluster.create_database("bench"), cluster


def prepare(url: str) -> tuple[dict[str, str], int]:
    """Migrate, mint keys, and run a round to publication in process; (keys, round id)."""
    import io

    from fastapi.testclient import TestClient

    import seed_data.schemes
    from seed_data.demo import candidate_rows, load
    from service.app import create_app
    from service.db import create_sessionmaker
    from service.keys import create_key
    from service.migrate import upgrade
    from service.settings import Settings

    upgrade(url, schemes=seed_data.schemes.load_every_bundled_version())
    app = create_app(Settings(database_url=url, log_json=False, log_level="WARNING"))
    with create_sessionmaker(app.state.engine).begin() as session:
        keys = {role: create_key(session, role=role, label=f"bench-{role}")[1]
                for role in ("admin", "officer", "chair", "reviewer", "tracker")}
    rows = candidate_rows(load())
    rows = rows.loc[rows["cohort"] == "leader"]  # 300 SYNTHETIC established firms
    buffer = io.StringIO()
    rows.to_csv(buffer, index=False)

    def h(role: str) -> dict[str, str]:
        return {"X-API-Key": keys[role]}

    with TestClient(app) as c:
        round_id = c.post("/v1/rounds", headers=h("admin"), json={
            "name": "Bench round (SYNTHETIC)", "year": 2026, "reference_date": "2026-06-30",
            "capacities": {"leader": 100}}).json()["id"]
        r = c.post(f"/v1/rounds/{round_id}/nominations", headers=h("officer"),
                   files={"file": ("list.csv", buffer.getvalue().encode(), "text/csv")})
        assert r.status_code == 201, r.text
        c.post(f"/v1/rounds/{round_id}/state", json={"state": "scoring"}, headers=h("admin"))
        r = c.post(f"/v1/rounds/{round_id}/cohorts/leader/score-runs", headers=h("admin"))
        assert r.status_code == 201, r.text
        items = c.get(f"/v1/rounds/{round_id}/cohorts/leader/shortlist",
                      params={"limit": 1000}, headers=h("chair")).json()["items"]
        chosen = items[:100]
        r = c.post(f"/v1/rounds/{round_id}/cohorts/leader/decisions", headers=h("chair"), json={
            "decisions": [{"nomination_id": i["nomination_id"], "outcome": "select",
                           "reason": None if i["within_capacity"] else "bench: fill capacity"}
                          for i in chosen]})
        assert r.status_code == 201, r.text
        c.post(f"/v1/rounds/{round_id}/state", json={"state": "decided"}, headers=h("admin"))
        r = c.post(f"/v1/rounds/{round_id}/publish", headers=h("admin"))
        assert r.status_code == 201, r.text
        assert r.json()["members"]["leader"] == 100, r.text
    app.state.engine.dispose()
    return keys, round_id


def load_test(base: str, path: str, headers: dict[str, str], *, clients: int, requests: int,
              expect: int) -> dict[str, float]:
    """``requests`` requests split over ``clients`` threads; req/s and latency percentiles."""
    per_client = max(1, requests // clients)
    latencies: list[float] = []
    lock = threading.Lock()
    errors: list[str] = []
    barrier = threading.Barrier(clients + 1)

    def worker() -> None:
        own: list[float] = []
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            client.get(path)  # connect and warm up outside the timed part
            barrier.wait()
            for _ in range(per_client):  # bounded
                started = time.perf_counter()
                response = client.get(path)
                own.append(time.perf_counter() - started)
                if response.status_code != expect:
                    errors.append(f"{response.status_code} {response.text[:200]}")
        with lock:
            latencies.extend(own)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{path}: {len(errors)} unexpected answers, first: {errors[0]}")
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
    }


def wrk_test(base: str, path: str, headers: dict[str, str], *, clients: int,
             seconds: int = 10) -> dict[str, float]:
    """The same measurement with wrk (a C load generator), which leaves the CPU to the server."""
    command = ["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, base + path], capture_output=True, text=True, check=True,
                         timeout=seconds + 60).stdout

    def millis(text: str) -> float:
        number = float(text.rstrip("umsUMS"))
        return number / 1000 if text.endswith("us") else number * 1000 if text.endswith(
            "s") and not text.endswith("ms") else number

    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, flags=re.MULTILINE))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        raise SystemExit(f"{path}: {non_2xx.group(1)} unexpected answers under wrk")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": millis(latency["50"]),
        "p99_ms": millis(latency["99"]),
    }


def _wait_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):  # bounded: 30 s
        if process.poll() is not None:
            raise SystemExit("uvicorn exited early")
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("uvicorn did not become ready")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url, cluster = _database(args.database, Path(tmp))
        try:
            keys, round_id = prepare(url)
            port = _free_port()
            base = f"http://127.0.0.1:{port}"
            env = {**os.environ, "COHORTS_DATABASE_URL": url, "COHORTS_LOG_LEVEL": "WARNING",
                   "PYTHONPATH": str(ROOT)}
            process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "service.asgi:app", "--host", "127.0.0.1",
                 "--port", str(port), "--workers", str(args.workers), "--log-level", "warning",
                 "--no-access-log"],
                env=env, cwd=ROOT)
            try:
                _wait_ready(base, process)
                tracker = {"X-API-Key": keys["tracker"]}
                members_path = "/v1/cohorts/leader/members"
                first = httpx.get(base + members_path, headers=tracker)
                assert len(first.json()["items"]) == 100, first.text[:300]
                etag = first.headers["etag"]
                n, k = args.requests, args.clients
                healthz = load_test(base, "/healthz", {}, clients=k, requests=n, expect=200)
                whoami = load_test(base, "/v1/whoami", tracker, clients=k, requests=n,
                                   expect=200)
                members = load_test(base, members_path, tracker, clients=k, requests=n,
                                    expect=200)
                cached = load_test(base, members_path, {**tracker, "If-None-Match": etag},
                                   clients=k, requests=n, expect=304)
                shortlist_path = f"/v1/rounds/{round_id}/cohorts/leader/shortlist?limit=100"
                shortlist = load_test(
                    base, shortlist_path,
                    {"X-API-Key": keys["reviewer"]}, clients=16, requests=max(800, n // 4),
                    expect=200)
                shortlist_wrk = (
                    wrk_test(base, shortlist_path,
                             {"X-API-Key": keys["reviewer"], "Accept-Encoding": "gzip"},
                             clients=16)
                    if shutil.which("wrk") else None
                )
            finally:
                process.terminate()
                process.wait(timeout=30)
        finally:
            if cluster is not None:
                cluster.stop()
    print(f"database: {args.database}; uvicorn workers: {args.workers}; {args.clients} clients; "
          f"{args.requests} requests each test; SYNTHETIC demo firms")
    print(f"healthz            {healthz['rps']:8.0f} req/s  p50 {healthz['p50_ms']:6.1f} ms  "
          f"p99 {healthz['p99_ms']:6.1f} ms")
    print(f"whoami (key check) {whoami['rps']:8.0f} req/s  p50 {whoami['p50_ms']:6.1f} ms  "
          f"p99 {whoami['p99_ms']:6.1f} ms  ratio {whoami['rps'] / healthz['rps']:.2f} "
          "(the authorisation gate alone, for reference)")
    print(f"members (100)      {members['rps']:8.0f} req/s  p50 {members['p50_ms']:6.1f} ms  "
          f"p99 {members['p99_ms']:6.1f} ms  ratio {members['rps'] / healthz['rps']:.2f} "
          "(target >= 0.50)")
    print(f"members 304        {cached['rps']:8.0f} req/s  p50 {cached['p50_ms']:6.1f} ms  "
          f"p99 {cached['p99_ms']:6.1f} ms  ratio {cached['rps'] / healthz['rps']:.2f} "
          "(target >= 0.80)")
    print(f"shortlist 100 x16  {shortlist['rps']:8.0f} req/s  p50 {shortlist['p50_ms']:6.1f} ms"
          f"  p99 {shortlist['p99_ms']:6.1f} ms (target p99 < 100 ms; Python client)")
    if shortlist_wrk is not None:
        print(f"shortlist 100 x16  {shortlist_wrk['rps']:8.0f} req/s  p50 "
              f"{shortlist_wrk['p50_ms']:6.1f} ms  p99 {shortlist_wrk['p99_ms']:6.1f} ms "
              "(target p99 < 100 ms; wrk, which leaves the CPU to the server)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
