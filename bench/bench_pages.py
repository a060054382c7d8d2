"""Benchmark: the committee's pages rendered by the server, against uvicorn (issue 12).

The same published round as ``bench_membership`` (300 SYNTHETIC ``leader`` firms, 100 places),
served by a uvicorn worker per core. A reviewer signs in through ``/ui/login``; then, with that
session cookie, 16 concurrent keep-alive clients (the lean load client of ``bench.loopback``:
plain sockets in two processes, so the cores stay the server's) read, in the same run and
against the same server,

- the baselines: the start page ``/ui`` (the sign-in check and a trivial template) and the
  JSON shortlist of the same 100 rows through the API (``?limit=100``, the same data);
- the shortlist page of the cohort (every row within the places, then the next 30), and
- one firm's explanation page (gates, chart, criteria, ratings);

and prints p50/p99, the server's CPU time per request (user + system of the uvicorn workers,
from ``/proc``; waiting for a loaded machine does not count), each page's p99 and CPU time as
multiples of the baselines' (the machine is shared, so ratios travel better than
milliseconds), the load client's own CPU time per request and share of the cores, the page
weights (HTML bytes; the CSS and script are two small static files), the first (uncached)
render of each page for four viewers, and the first renders of 32 firm pages nobody had opened,
one at a time, with the server's CPU time per render.

With ``--uncached`` the server keeps one rendered document (``COHORTS_RENDERED_CACHE_ENTRIES=1``)
and every client cycles through 16 variants of each request (the shortlist page in four sort
orders, both directions and both languages; 16 different firms; the API with ``limit`` 100 to
115), so each answer is built from the database, as after every rating or decision.

    python bench/bench_pages.py [--requests 800] [--workers N] [--database sqlite] [--uncached]

Targets (issue 12): p99 under 100 ms with a worker per core; pages under 300 KB.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loopback import load_test, options, serve, server_cpu_s

_SECRET = "bench-page-sessions-" + "x" * 32  # shared by the workers, so any one reads a cookie
_VIEWERS = ("reviewer", "chair", "admin", "officer")


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


def first_render_ms(base: str, path: str, cookies: list[dict[str, str]]) -> list[float]:
    """How long each viewer's first request of ``path`` takes (nothing of theirs cached yet)."""
    took = []
    for cookie in cookies:
        started = time.perf_counter()
        response = httpx.get(base + path, headers=cookie, timeout=30)
        took.append(1000 * (time.perf_counter() - started))
        assert response.status_code == 200, response.text[:300]
    return took


def first_firm_renders(
    base: str, paths: list[str], cookie: dict[str, str], pid: int
) -> tuple[list[float], float]:
    """Latency of each first render of firm pages nobody has opened yet (one at a time, so the
    server does nothing else) and the server's CPU milliseconds per render (``/proc`` counts in
    10 ms ticks, so it is taken over them all)."""
    took = []
    cpu = server_cpu_s(pid)
    for path in paths:
        started = time.perf_counter()
        response = httpx.get(base + path, headers=cookie, timeout=30)
        took.append(1000 * (time.perf_counter() - started))
        assert response.status_code == 200, response.text[:300]
    return took, 1000 * (server_cpu_s(pid) - cpu) / len(paths)


def _line(name: str, result: dict[str, float], baselines: dict[str, dict[str, float]]) -> str:
    ratios = "".join(
        f"  {label}: p99 {result['p99_ms'] / b['p99_ms']:.2f}x, "
        f"CPU {result['cpu_ms'] / b['cpu_ms']:.2f}x"
        for label, b in baselines.items()
    )
    return (
        f"{name:<22}{result['rps']:5.0f} req/s  p50 {result['p50_ms']:6.1f} ms  "
        f"p99 {result['p99_ms']:6.1f} ms  server CPU {result['cpu_ms']:5.2f} ms/req  "
        f"client CPU {result['client_cpu_ms']:4.2f} ms/req ({100 * result['client_share']:.0f}% "
        f"of the cores){ratios}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = options(__doc__ or "", requests=800, clients=16, workers=os.cpu_count() or 1)
    parser.add_argument("--uncached", action="store_true", help="build every answer afresh")
    args = parser.parse_args(argv)
    env = {"COHORTS_PAGE_SESSION_SECRET": _SECRET}
    if args.uncached:
        env["COHORTS_RENDERED_CACHE_ENTRIES"] = "1"
    with serve(args, env) as served:
        base, keys, round_id = served.base, served.keys, served.round_id
        cookies = [{"Cookie": f"cohorts_session={sign_in(base, keys[role])}"} for role in _VIEWERS]
        cookie = cookies[0]
        shortlist_path = f"/ui/rounds/{round_id}/cohorts/leader/shortlist"
        api_path = f"/v1/rounds/{round_id}/cohorts/leader/shortlist?limit=100"
        api_key = {"X-API-Key": keys["reviewer"]}
        items = httpx.get(base + api_path, headers=api_key).json()["items"]
        firm_path = f"/ui/rounds/{round_id}/cohorts/leader/firms/{items[0]['uscc']}"
        cold_shortlist = first_render_ms(base, shortlist_path, cookies)
        cold_firm = first_render_ms(base, firm_path, cookies)
        unopened = [firm_path.rsplit("/", 1)[0] + "/" + i["uscc"] for i in items[40:72]]
        cold_firms, cold_firm_cpu = first_firm_renders(base, unopened, cookie, served.pid)
        first = httpx.get(base + shortlist_path, headers=cookie)
        firm_page = httpx.get(base + firm_path, headers=cookie)
        assert first.status_code == firm_page.status_code == 200, first.text[:300]
        css = httpx.get(base + "/ui/assets/pages.css")
        script = httpx.get(base + "/ui/assets/pages.js")
        n, k = args.requests, args.clients
        api_paths, shortlist_paths, firm_paths = [api_path], [shortlist_path], [firm_path]
        if args.uncached:
            api_paths = [f"{api_path[:-3]}{100 + i}" for i in range(16)]
            shortlist_paths = [
                f"{shortlist_path}?sort={key}&order={order}&lang={lang}"
                for key in ("position", "total", "name", "stability")
                for order in ("asc", "desc")
                for lang in ("zh", "en")
            ]
            firm_paths = [firm_path.rsplit("/", 1)[0] + "/" + i["uscc"] for i in items[:16]]
        timed = {"clients": k, "requests": n, "expect": 200, "server_pid": served.pid}
        home = load_test(base, "/ui", cookie, **timed)
        api = load_test(base, api_paths, api_key, **timed)
        shortlist = load_test(base, shortlist_paths, cookie, **timed)
        firm = load_test(base, firm_paths, cookie, **timed)
    assets = len(css.content) + len(script.content)
    print(
        f"database: {args.database}; uvicorn workers: {args.workers}; {k} clients; "
        f"{n} requests each; SYNTHETIC demo firms; "
        + ("every answer built afresh (--uncached)" if args.uncached else "rendered pages cached")
    )
    baselines = {"/ui": home, "API": api}
    print(_line("start page /ui", home, {}))
    print(_line("API shortlist (100)", api, {"/ui": home}))
    rows = first.text.count("<tr class=")
    print(
        _line(f"shortlist page ({rows})", shortlist, baselines)
        + f"  {len(first.content) / 1024:.1f} KB (+{assets / 1024:.1f} KB assets)"
    )
    print(_line("firm page", firm, baselines) + f"  {len(firm_page.content) / 1024:.1f} KB")
    print(
        "first render per viewer (" + ", ".join(_VIEWERS) + "): shortlist "
        + " ".join(f"{ms:.0f}" for ms in cold_shortlist) + " ms; firm "
        + " ".join(f"{ms:.0f}" for ms in cold_firm) + " ms"
    )
    cold_firms.sort()
    print(
        f"first render of {len(cold_firms)} firm pages nobody had opened, one at a time: "
        f"p50 {statistics.median(cold_firms):.0f} ms, max {cold_firms[-1]:.0f} ms, "
        f"server CPU {cold_firm_cpu:.1f} ms each"
    )
    print("targets: p99 < 100 ms with a worker per core; each page < 300 KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
