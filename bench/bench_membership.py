"""Benchmark: membership reads for the tracker and an explained shortlist, against uvicorn.

One uvicorn process on loopback serves a fresh SQLite database (or PostgreSQL) holding a
published round with 100 ``leader`` members (SYNTHETIC demo firms). A lean load client
(``bench.loopback.load_test``: keep-alive sockets in two processes, a fixed number of requests)
measures, in the same run and against the same server:

- ``GET /healthz`` (the baseline) and ``GET /v1/cohorts/leader/members`` (100 members), req/s;
- the same members request with ``If-None-Match`` → 304, req/s;
- ``GET …/cohorts/leader/shortlist?limit=100`` (100 explained rows) at 16 concurrent clients,
  latency percentiles.

    python bench/bench_membership.py [--requests 3000] [--clients 8] [--database sqlite]

Targets (issue 4): members ≥ 50% of healthz req/s; 304s ≥ 80%; shortlist p99 < 100 ms.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loopback import load_test, options, serve, wrk_test


def main(argv: list[str] | None = None) -> int:
    args = options(__doc__ or "", requests=3000, clients=8, workers=1).parse_args(argv)
    with serve(args) as served:
        base, keys, round_id = served.base, served.keys, served.round_id
        tracker = {"X-API-Key": keys["tracker"]}
        members_path = "/v1/cohorts/leader/members"
        # The load client asks for no encoding, so the ETag to send back is the identity one
        # (httpx asks for gzip by default, and a gzipped answer has an ETag of its own).
        first = httpx.get(base + members_path, headers={**tracker, "Accept-Encoding": "identity"})
        assert len(first.json()["items"]) == 100, first.text[:300]
        etag = first.headers["etag"]
        n, k = args.requests, args.clients
        healthz = load_test(base, "/healthz", {}, clients=k, requests=n, expect=200)
        whoami = load_test(base, "/v1/whoami", tracker, clients=k, requests=n, expect=200)
        members = load_test(base, members_path, tracker, clients=k, requests=n, expect=200)
        cached = load_test(base, members_path, {**tracker, "If-None-Match": etag},
                           clients=k, requests=n, expect=304)
        shortlist_path = f"/v1/rounds/{round_id}/cohorts/leader/shortlist?limit=100"
        shortlist = load_test(
            base, shortlist_path,
            {"X-API-Key": keys["reviewer"]}, clients=16, requests=max(800, n // 4),
            expect=200)
        shortlist_wrk = (
            wrk_test(base, shortlist_path,
                     {"X-API-Key": keys["reviewer"], "Accept-Encoding": "gzip"}, clients=16)
            if shutil.which("wrk") else None
        )
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
