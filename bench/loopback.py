"""A published SYNTHETIC round served by uvicorn on loopback, and the load clients that time it.

Shared by the benchmarks that measure the server end to end (``bench_membership``,
``bench_pages``): the command-line options they have in common, a fresh database (SQLite in a
temporary folder, or a throwaway PostgreSQL cluster) holding a round taken to publication, a
uvicorn process serving it, and the load generators that time it: a lean one of our own (plain
keep-alive sockets in separate processes, a few microseconds of CPU per request, so the two
cores stay the server's) and ``wrk`` where installed.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import re
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

__all__ = ["Served", "load_test", "options", "prepare", "serve", "wrk_test"]

ROLES = ("admin", "officer", "chair", "reviewer", "tracker")


def options(doc: str, *, requests: int, clients: int, workers: int) -> argparse.ArgumentParser:
    """The options every loopback benchmark takes, with its own defaults."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--requests", type=int, default=requests)
    parser.add_argument("--clients", type=int, default=clients)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--workers", type=int, default=workers, help="uvicorn worker processes")
    return parser


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
    from fastapi.testclient import TestClient

    import seed_data.schemes
    from seed_data.demo import candidate_rows, load
    from service.app import create_app
    from service.db import create_sessionmaker
    from service.keys import create_key
    from service.migrate import upgrade
    from service.settings import Settings
    from tests.service.selection.builders import publish

    upgrade(url, schemes=seed_data.schemes.load_every_bundled_version())
    app = create_app(Settings(database_url=url, log_json=False, log_level="WARNING"))
    with create_sessionmaker(app.state.engine).begin() as session:
        keys = {role: create_key(session, role=role, label=f"bench-{role}")[1] for role in ROLES}
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
        r = c.post(f"/v1/rounds/{round_id}/cohorts/leader/decisions", headers=h("chair"), json={
            # Nobody rates this SYNTHETIC round, so every selection states why.
            "decisions": [{"nomination_id": i["nomination_id"], "outcome": "select",
                           "reason": "bench: SYNTHETIC round, unrated; fill the places"}
                          for i in items[:100]]})
        assert r.status_code == 201, r.text
        r = publish(c, h, round_id)  # through a notice period that has ended, as time would
        assert r.status_code == 201, r.text
        assert r.json()["members"]["leader"] == 100, r.text
    app.state.engine.dispose()
    return keys, round_id


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


@dataclass(frozen=True, slots=True)
class Served:
    """The server's address, the keys minted for each role, the published round, and the
    uvicorn process id (whose CPU time ``server_cpu_s`` reads)."""

    base: str
    keys: dict[str, str]
    round_id: int
    pid: int


def server_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its live children (the uvicorn
    workers), from ``/proc``: unlike latency, it does not grow when other jobs load the machine."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    total = 0
    for each in [str(pid), *children]:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


@contextmanager
def serve(args: argparse.Namespace, env: dict[str, str] | None = None) -> Iterator[Served]:
    """A fresh database with a published round, served by ``args.workers`` uvicorn workers;
    the process and the database are gone when the block ends."""
    with tempfile.TemporaryDirectory() as tmp:
        url, cluster = _database(args.database, Path(tmp))
        try:
            keys, round_id = prepare(url)
            port = _free_port()
            base = f"http://127.0.0.1:{port}"
            process = subprocess.Popen(
                [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1",
                 "--port", str(port), "--workers", str(args.workers), "--no-migrate"],
                env={**os.environ, "COHORTS_DATABASE_URL": url, "COHORTS_LOG_LEVEL": "WARNING",
                     "PYTHONPATH": str(ROOT), **(env or {})},
                cwd=ROOT)
            try:
                _wait_ready(base, process)
                yield Served(base, keys, round_id, process.pid)
            finally:
                process.terminate()
                process.wait(timeout=30)
        finally:
            if cluster is not None:
                cluster.stop()


def _request_bytes(host: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


_CONTENT_LENGTH = re.compile(rb"^content-length:[ \t]*(\d+)", re.IGNORECASE | re.MULTILINE)


def _body_length(head: bytes) -> int:
    """How many body bytes follow a response head (no body for 1xx, 204 and 304)."""
    status = int(head[9:12])
    if status in (204, 304) or status < 200:
        return 0
    found = _CONTENT_LENGTH.search(head)
    if found is None:  # uvicorn sends a length for every body these benchmarks read
        raise SystemExit("a response without Content-Length: the lean client cannot frame it")
    return int(found.group(1))


def _clients(
    host: str,
    port: int,
    requests: list[bytes],
    firsts: list[int],
    per_client: int,
    expect: int,
    barrier: Any,
    results: Any,
) -> None:
    """One load process: a keep-alive socket per client, each sending its next request when the
    last answer has arrived in full, all served by one ``selectors`` loop (no threads, no HTTP
    library: a few microseconds of this process's CPU per request)."""
    sockets = [socket.create_connection((host, port)) for _ in firsts]
    state: dict[int, dict[str, Any]] = {}
    for sock, first in zip(sockets, firsts, strict=True):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(requests[first % len(requests)])  # connect and warm up, untimed
        buffer = b""
        while b"\r\n\r\n" not in buffer:
            buffer += sock.recv(65536)
        head, _, body = buffer.partition(b"\r\n\r\n")
        while len(body) < _body_length(head):
            body += sock.recv(65536)
        sock.setblocking(False)
        state[sock.fileno()] = {"sock": sock, "first": first, "sent": 0, "buffer": b"",
                                "started": 0.0, "need": -1}
    selector = selectors.DefaultSelector()
    for entry in state.values():
        selector.register(entry["sock"], selectors.EVENT_READ, entry)
    latencies: list[float] = []
    errors: list[str] = []

    def send_next(entry: dict[str, Any]) -> None:
        request = requests[(entry["first"] + entry["sent"]) % len(requests)]
        entry["sent"] += 1
        entry["buffer"], entry["need"] = b"", -1
        entry["started"] = time.perf_counter()
        entry["sock"].sendall(request)

    barrier.wait()
    cpu = time.process_time()
    for entry in state.values():
        send_next(entry)
    running = len(state)
    while running:  # bounded: every client stops after per_client answers
        for key, _ in selector.select(timeout=30):
            entry = key.data
            chunk = entry["sock"].recv(262144)
            if not chunk:
                raise SystemExit("the server closed a keep-alive connection")
            entry["buffer"] += chunk
            if entry["need"] < 0:
                end = entry["buffer"].find(b"\r\n\r\n")
                if end < 0:
                    continue
                head = entry["buffer"][:end]
                entry["need"] = end + 4 + _body_length(head)
                if int(head[9:12]) != expect:
                    errors.append(head[:200].decode("latin-1"))
            if len(entry["buffer"]) < entry["need"]:
                continue
            latencies.append(time.perf_counter() - entry["started"])
            if entry["sent"] < per_client:
                send_next(entry)
            else:
                selector.unregister(entry["sock"])
                running -= 1
    cpu = time.process_time() - cpu
    for sock in sockets:
        sock.close()
    results.put((latencies, errors, cpu))


def load_test(base: str, path: str | list[str], headers: dict[str, str], *, clients: int,
              requests: int, expect: int, server_pid: int | None = None,
              processes: int = 2) -> dict[str, float]:
    """``requests`` requests from ``clients`` keep-alive connections, spread over ``processes``
    lean load processes (each connection cycling through ``path`` when it is a list, from its own
    starting point); req/s, latency percentiles, the load processes' own CPU milliseconds per
    request and their share of the machine's cores, and, given the server's process id, the
    server's CPU milliseconds per request."""
    paths = [path] if isinstance(path, str) else path
    host_port = base.removeprefix("http://")
    host, port = host_port.rsplit(":", 1)
    encoded = [_request_bytes(host_port, p, headers) for p in paths]
    per_client = max(1, requests // clients)
    processes = max(1, min(processes, clients))
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes + 1)
    results = context.Queue()
    workers = [
        context.Process(
            target=_clients,
            args=(host, int(port), encoded, list(range(n, clients, processes)), per_client,
                  expect, barrier, results),
        )
        for n in range(processes)
    ]
    for process in workers:
        process.start()
    barrier.wait(timeout=60)
    cpu = server_cpu_s(server_pid) if server_pid is not None else 0.0
    started = time.perf_counter()
    outcomes = [results.get(timeout=600) for _ in workers]
    elapsed = time.perf_counter() - started
    cpu = server_cpu_s(server_pid) - cpu if server_pid is not None else float("nan")
    for process in workers:
        process.join(timeout=30)
    latencies = sorted(x for outcome in outcomes for x in outcome[0])
    errors = [e for outcome in outcomes for e in outcome[1]]
    client_cpu = sum(outcome[2] for outcome in outcomes)
    if errors:
        raise SystemExit(f"{paths[0]}: {len(errors)} unexpected answers, first: {errors[0]}")
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
        "cpu_ms": 1000 * cpu / len(latencies),
        "client_cpu_ms": 1000 * client_cpu / len(latencies),
        "client_share": client_cpu / (elapsed * (os.cpu_count() or 1)),
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
