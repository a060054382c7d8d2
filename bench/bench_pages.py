"""Benchmark: the committee's pages rendered by the server, against uvicorn (issue 12).

The same published round as ``bench_membership`` (300 SYNTHETIC ``leader`` firms, 100 places).
A reviewer signs in through ``/ui/login``; then, with that session cookie, 16 concurrent
clients read

- the shortlist page of the cohort (every row, the 100 within the places first), and
- one firm's explanation page (gates, chart, criteria, ratings),

and the page weights (HTML bytes; the CSS and script are two small static files) are printed.

    python bench/bench_pages.py [--requests 800] [--workers 1] [--database sqlite]

Targets (issue 12): p99 under 100 ms with a worker per core; pages under 300 KB.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_membership import _database, _free_port, _wait_ready, load_test, prepare  # noqa: E402

_SECRET = "bench-page-sessions-" + "x" * 32  # shared by the workers, so any one reads a cookie


def sign_in(base: str, key: str) -> str:
    """The session cookie of a sign-in through the form."""
    with httpx.Client(base_url=base) as client:
        client.get("/ui/login")
        response = client.post(
            "/ui/login",
            data={"api_key": key, "csrf_token": client.cookies["cohorts_csrf"]},
        )
        assert response.status_code == 303, response.text[:300]
        return client.cookies["cohorts_session"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=800)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url, cluster = _database(args.database, Path(tmp))
        try:
            keys, round_id = prepare(url)
            port = _free_port()
            base = f"http://127.0.0.1:{port}"
            env = {
                **os.environ,
                "COHORTS_DATABASE_URL": url,
                "COHORTS_LOG_LEVEL": "WARNING",
                "COHORTS_PAGE_SESSION_SECRET": _SECRET,
                "PYTHONPATH": str(ROOT),
            }
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "service.asgi:app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--workers",
                    str(args.workers),
                    "--log-level",
                    "warning",
                    "--no-access-log",
                ],
                env=env,
                cwd=ROOT,
            )
            try:
                _wait_ready(base, process)
                cookie = {"Cookie": f"cohorts_session={sign_in(base, keys['reviewer'])}"}
                shortlist_path = f"/ui/rounds/{round_id}/cohorts/leader/shortlist"
                first = httpx.get(base + shortlist_path, headers=cookie)
                assert first.status_code == 200, first.text[:300]
                items = httpx.get(
                    f"{base}/v1/rounds/{round_id}/cohorts/leader/shortlist?limit=1",
                    headers={"X-API-Key": keys["reviewer"]},
                ).json()["items"]
                firm_path = f"/ui/rounds/{round_id}/cohorts/leader/firms/{items[0]['uscc']}"
                firm_page = httpx.get(base + firm_path, headers=cookie)
                assert firm_page.status_code == 200, firm_page.text[:300]
                css = httpx.get(base + "/ui/assets/pages.css")
                script = httpx.get(base + "/ui/assets/pages.js")
                shortlist = load_test(
                    base,
                    shortlist_path,
                    cookie,
                    clients=args.clients,
                    requests=args.requests,
                    expect=200,
                )
                firm = load_test(
                    base,
                    firm_path,
                    cookie,
                    clients=args.clients,
                    requests=args.requests,
                    expect=200,
                )
            finally:
                process.terminate()
                process.wait(timeout=30)
        finally:
            if cluster is not None:
                cluster.stop()
    assets = len(css.content) + len(script.content)
    print(
        f"database: {args.database}; uvicorn workers: {args.workers}; {args.clients} clients; "
        f"{args.requests} requests each; SYNTHETIC demo firms"
    )
    rows = first.text.count("<tr class=")
    print(
        f"shortlist page ({rows} rows) {shortlist['rps']:7.0f} req/s  p50 "
        f"{shortlist['p50_ms']:6.1f} ms  p99 {shortlist['p99_ms']:6.1f} ms  "
        f"{len(first.content) / 1024:6.1f} KB (+{assets / 1024:.1f} KB assets)"
    )
    print(
        f"firm page              {firm['rps']:7.0f} req/s  p50 {firm['p50_ms']:6.1f} ms  "
        f"p99 {firm['p99_ms']:6.1f} ms  {len(firm_page.content) / 1024:6.1f} KB"
    )
    print("targets: p99 < 100 ms with a worker per core; each page < 300 KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
