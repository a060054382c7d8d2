"""Benchmark: the webhook outbox and worker delivering 10,000 events to a local receiver.

A receiver on loopback (``ThreadingHTTPServer``, HTTP/1.1 keep-alive) notes the arrival time of
every ``webhook-id``. Measured in the same run, against the same receiver:

- the baseline: plain POSTs of the same body from one keep-alive ``httpx`` client, and from as
  many clients as the worker sends with (``--concurrency``), req/s;
- a backlog: ``--events`` events enqueued through ``service.webhooks.service.enqueue_many`` in
  transactions of 100 while one ``Worker`` delivers them; events/s from the first commit to the
  last arrival, and the delivery lag (arrival − enqueue) p50 / p99;
- a paced stream: 2,000 events at half the backlog rate, so the lag is the worker's own (its
  poll interval included), not the queue's.

Every ``webhook-id`` must arrive (at-least-once; duplicates are counted) and 1% of the requests
are verified with the ``standardwebhooks`` library.

    python bench/bench_webhooks.py [--events 10000] [--database sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from schemas.webhooks import WebhookIn  # noqa: E402
from service.access import Role  # noqa: E402
from service.db import create_db_engine, create_sessionmaker  # noqa: E402
from service.keys import Principal  # noqa: E402
from service.migrate import upgrade  # noqa: E402
from service.settings import Settings  # noqa: E402
from service.webhooks import service as webhooks  # noqa: E402
from service.webhooks.delivery import Worker  # noqa: E402

SAMPLE_BODY = {"round_id": 1, "cohort": "leader", "uscc": "91110108MA01ABCD2X",
               "name": "合成示例科技有限公司", "name_en": None,
               "valid_from": "2026-01-01", "valid_until": "2029-01-01"}


class Arrivals:
    """What the receiver saw: arrival time per webhook-id, and a 1% sample of whole requests."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, float] = {}
        self.duplicates = 0
        self.plain = 0
        self.sample: list[tuple[bytes, dict[str, str]]] = []

    def note(self, headers: dict[str, str], body: bytes) -> None:
        now = time.time()
        message_id = headers.get("webhook-id")
        with self.lock:
            if message_id is None:
                self.plain += 1
            elif message_id in self.times:
                self.duplicates += 1
            else:
                self.times[message_id] = now
                if len(self.times) % 100 == 0:
                    self.sample.append((body, headers))


def start_receiver(arrivals: Arrivals) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            arrivals.note({k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def baseline(url: str, *, clients: int, requests: int) -> float:
    """Plain POSTs of a webhook-sized body, ``clients`` keep-alive clients; req/s."""
    body = json.dumps({"type": "membership.added", "timestamp": "2026-01-01T00:00:00+00:00",
                       "data": SAMPLE_BODY}, ensure_ascii=False).encode()

    def run(count: int) -> None:
        with httpx.Client(trust_env=False) as client:
            for _ in range(count):
                assert client.post(url, content=body,
                                   headers={"content-type": "application/json"}).status_code == 204

    threads = [threading.Thread(target=run, args=(requests // clients,)) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return (requests // clients) * clients / (time.perf_counter() - started)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def produce(sessions: Any, count: int, *, rate: float | None) -> dict[str, float]:
    """Enqueue ``count`` events in transactions of 100 (paced to ``rate``/s if given); message
    id → enqueue time."""
    from sqlalchemy import select

    from service.models import WebhookEvent

    enqueued: dict[str, float] = {}
    started = time.time()
    done = 0
    while done < count:
        size = min(100, count - done)
        if rate is not None:
            time.sleep(max(0.0, started + done / rate - time.time()))
        with sessions.begin() as session:
            newest = select(WebhookEvent.id).order_by(WebhookEvent.id.desc()).limit(1)
            before = session.scalar(newest)
            webhooks.enqueue_many(session, "membership.added", [SAMPLE_BODY] * size)
            stamp = time.time()
            ids = session.scalars(
                select(WebhookEvent.message_id).where(WebhookEvent.id > (before or 0))
            ).all()
        enqueued.update(dict.fromkeys(ids, stamp))
        done += size
    return enqueued


def measure(
    arrivals: Arrivals, enqueued: dict[str, float], wait: Callable[[], None]
) -> dict[str, float]:
    wait()
    lags = [arrivals.times[m] - t for m, t in enqueued.items()]
    first = min(enqueued.values())
    last = max(arrivals.times[m] for m in enqueued)
    return {"rate": len(enqueued) / (last - first), "p50": percentile(lags, 0.5) * 1000,
            "p99": percentile(lags, 0.99) * 1000}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--poll", type=float, default=0.1, help="worker poll interval, seconds")
    args = parser.parse_args(argv)
    arrivals = Arrivals()
    server = start_receiver(arrivals)
    receiver_url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    cluster = None
    with tempfile.TemporaryDirectory() as tmp:
        if args.database == "sqlite":
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        else:
            from tests.postgres_cluster import start_cluster

            cluster = start_cluster()
            url = cluster.create_database("bench")
        try:
            upgrade(url)
            settings = Settings(database_url=url, webhook_worker=False,
                                webhook_allowed_networks=["127.0.0.0/8"],
                                webhook_concurrency=args.concurrency,
                                webhook_poll_seconds=args.poll)
            engine = create_db_engine(url)
            sessions = create_sessionmaker(engine)
            with sessions.begin() as session:
                webhooks.create(session, Principal(None, "bench", Role.ADMIN),
                                data=WebhookIn(url=receiver_url, event_types=["membership.added"]),
                                allowed_networks=settings.webhook_allowed_networks)

            one = baseline(receiver_url, clients=1, requests=3000)
            many = baseline(receiver_url, clients=args.concurrency, requests=3000)

            def arrived(enqueued: dict[str, float]) -> Callable[[], None]:
                def wait() -> None:
                    deadline = time.time() + 600
                    while time.time() < deadline:
                        with arrivals.lock:
                            if all(m in arrivals.times for m in enqueued):
                                return
                        time.sleep(0.01)
                    raise SystemExit("not every event arrived within 10 minutes")
                return wait

            worker = Worker(engine, settings).start()
            try:
                backlog_ids = produce(sessions, args.events, rate=None)
                backlog = measure(arrivals, backlog_ids, arrived(backlog_ids))
                paced_ids = produce(sessions, 2000, rate=backlog["rate"] / 2)
                paced = measure(arrivals, paced_ids, arrived(paced_ids))
            finally:
                worker.stop()
            from standardwebhooks import Webhook  # the tracker's own check, on a sample

            with sessions.begin() as session:
                from sqlalchemy import select

                from service.models import WebhookEndpoint

                secret = session.scalar(select(WebhookEndpoint.secret))
            assert secret is not None
            for body, headers in arrivals.sample:
                Webhook(secret).verify(body, headers)
            engine.dispose()
        finally:
            server.shutdown()
            if cluster is not None:
                cluster.stop()
    print(f"database: {args.database}; worker concurrency {args.concurrency}, "
          f"batch {settings.webhook_batch_size}, poll {args.poll}s; one receiver on loopback")
    print(f"baseline plain POSTs, 1 client:          {one:8.0f} req/s")
    print(f"baseline plain POSTs, {args.concurrency} clients:         {many:8.0f} req/s")
    print(f"backlog of {args.events} events:            {backlog['rate']:8.0f} events/s "
          f"({backlog['rate'] / one:.2f}× 1-client baseline, {backlog['rate'] / many:.2f}× "
          f"{args.concurrency}-client); "
          f"lag p50 {backlog['p50']:.0f} ms, p99 {backlog['p99']:.0f} ms")
    print(f"paced 2000 events at {backlog['rate'] / 2:.0f}/s:   {paced['rate']:8.0f} events/s; "
          f"lag p50 {paced['p50']:.0f} ms, p99 {paced['p99']:.0f} ms")
    print(f"every event arrived: yes; duplicates: {arrivals.duplicates}; "
          f"signatures verified on a 1% sample: {len(arrivals.sample)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
