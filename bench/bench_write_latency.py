"""Benchmark: small writes' latency on SQLite while a large candidate list is imported.

Runs the real server (``uvicorn service.asgi:app``, two workers, as the container does) on a
fresh SQLite file, posts one SYNTHETIC list of ``--rows`` rows (``seed_data.demo.scale_rows``)
and, until that import answers, puts one firm profile after another from a second client. It
prints the import's time and status and the small writes' p50/p99/max latency and statuses:
a 503 (with Retry-After) is the service shedding load; a 500 would be a bug.

    python bench/bench_write_latency.py [--rows 100000] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _prepare(url: str) -> dict[str, str]:
    """Migrate the file and mint an admin and an officer key."""
    from service.db import create_db_engine, create_sessionmaker
    from service.keys import create_key
    from service.migrate import upgrade

    upgrade(url)
    engine = create_db_engine(url)
    with create_sessionmaker(engine).begin() as session:
        keys = {role: create_key(session, role=role, label=f"bench-{role}")[1]
                for role in ("admin", "officer")}
    engine.dispose()
    return keys


def _wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise RuntimeError("the server exited before it was ready")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not become ready")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from seed_data.demo import scale_rows
    from tests.service.builders import firm_profile, make_uscc

    csv_bytes = scale_rows(args.rows).to_csv(index=False).encode("utf-8")
    with tempfile.TemporaryDirectory() as workdir:
        url = f"sqlite:///{Path(workdir) / 'bench.db'}"
        keys = _prepare(url)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "COHORTS_DATABASE_URL": url, "COHORTS_LOG_LEVEL": "WARNING"}
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "service.asgi:app", "--port", str(port),
             "--workers", str(args.workers), "--log-level", "warning"],
            cwd=ROOT, env=env,
        )
        try:
            _wait_ready(base, server)
            admin = {"X-API-Key": keys["admin"]}
            officer = {"X-API-Key": keys["officer"]}
            round_id = httpx.post(
                f"{base}/v1/rounds", headers=admin,
                json={"name": "bench", "year": 2026, "reference_date": "2026-06-30"},
            ).json()["id"]
            result: dict[str, object] = {}

            def run_import() -> None:
                started = time.perf_counter()
                response = httpx.post(
                    f"{base}/v1/rounds/{round_id}/nominations", headers=officer,
                    files={"file": ("bench.csv", csv_bytes, "text/csv")}, timeout=1800,
                )
                result["seconds"] = time.perf_counter() - started
                result["status"] = response.status_code

            importer = threading.Thread(target=run_import)
            importer.start()
            latencies: list[float] = []
            statuses: Counter[int] = Counter()
            serial = 0
            with httpx.Client(base_url=base, headers=officer, timeout=120) as client:
                while importer.is_alive():
                    serial += 1
                    started = time.perf_counter()
                    response = client.put(
                        f"/v1/firms/{make_uscc(9_000_000 + serial % 50)}",
                        json=firm_profile(name=f"小写入{serial}号科技有限公司"),
                    )
                    latencies.append((time.perf_counter() - started) * 1000)
                    statuses[response.status_code] += 1
                    time.sleep(0.05)
            importer.join()
        finally:
            server.terminate()
            server.wait(timeout=30)

    print(f"import of {args.rows:,} rows: HTTP {result['status']} in {result['seconds']:.1f} s")
    print(
        f"small writes during it: {len(latencies)}, statuses {dict(sorted(statuses.items()))}; "
        f"latency p50 {statistics.median(latencies):.0f} ms, "
        f"p99 {_percentile(latencies, 0.99):.0f} ms, max {max(latencies):.0f} ms"
    )
    if statuses.get(500):
        sys.exit("a small write answered 500")


if __name__ == "__main__":
    main()
