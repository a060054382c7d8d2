"""The delivery worker: claims due deliveries, signs and sends them, and records each attempt.

Claiming is one short transaction that leases a batch (``next_attempt_at`` moves a lease ahead
and ``attempts`` counts up) under ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, or under SQLite's
writer lock, so several workers on several hosts never send the same delivery at once. The HTTP
requests run with no transaction open; a second short transaction records the outcomes. A worker
killed mid-send leaves its lease to expire and another sends again: delivery is at-least-once,
with the ``webhook-id`` unchanged so a receiver can de-duplicate.

Backoff after the n-th failed attempt: ``delay = min(base · 2^(n−1), max)``; a delivery fails
for good at its first failure after ``retry_from + window``. An endpoint is disabled once it has
failed ``disable_after_failures`` times in a row over at least ``disable_after_seconds``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import signal
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks import Webhook

from service.db import create_db_engine, create_sessionmaker
from service.metrics import Metrics
from service.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    utcnow,
)
from service.settings import Settings
from service.webhooks import addresses

__all__ = ["Claimed", "Outcome", "Worker", "backoff", "claim", "record", "run_alone", "send"]

log = logging.getLogger(__name__)
_ERROR_CHARS = 500
_ANSWER_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Claimed:
    """A leased delivery with everything needed to send it."""

    delivery_id: int
    endpoint_id: int
    url: str
    secret: str
    message_id: str
    body: str
    attempt: int  # this lease's attempt number: a later lease of the same delivery has a higher one


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt got: a status, or an error before any status."""

    status: int | None
    error: str | None
    duration_ms: int
    at: dt.datetime

    @property
    def ok(self) -> bool:
        """True for a 2xx answer."""
        return self.status is not None and 200 <= self.status < 300


def backoff(attempts: int, *, base: float, ceiling: float) -> dt.timedelta:
    """Delay after the ``attempts``-th failure: ``min(base · 2^(attempts−1), ceiling)``."""
    return dt.timedelta(seconds=min(base * 2.0 ** min(attempts - 1, 40), ceiling))


def claim(session: Session, *, limit: int, lease: dt.timedelta) -> list[Claimed]:
    """Lease up to ``limit`` due deliveries of enabled endpoints, oldest due first."""
    now = utcnow()
    rows = session.execute(
        select(
            WebhookDelivery.id,
            WebhookDelivery.attempts,
            WebhookEndpoint.id,
            WebhookEndpoint.url,
            WebhookEndpoint.secret,
            WebhookEvent.message_id,
            WebhookEvent.payload,
        )
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(
            WebhookDelivery.state == "pending",
            WebhookDelivery.next_attempt_at <= now,
            WebhookEndpoint.enabled.is_(True),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
        .with_for_update(of=WebhookDelivery, skip_locked=True)  # SQLite: the writer lock instead
    ).all()
    if not rows:
        return []
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_([row[0] for row in rows]))
        .values(next_attempt_at=now + lease, attempts=WebhookDelivery.attempts + 1)
    )
    return [
        Claimed(
            delivery_id=delivery_id,
            endpoint_id=endpoint_id,
            url=url,
            secret=secret,
            message_id=message_id,
            body=json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
            attempt=attempts + 1,
        )
        for delivery_id, attempts, endpoint_id, url, secret, message_id, payload in rows
    ]


def send(client: httpx.Client, claimed: Claimed, *, allowed_networks: Sequence[str]) -> Outcome:
    """One signed POST to the checked address of the endpoint; never raises."""
    started = time.perf_counter()
    at = utcnow()

    def done(status: int | None, error: str | None) -> Outcome:
        elapsed = int((time.perf_counter() - started) * 1000)
        return Outcome(status, error[:_ERROR_CHARS] if error else None, elapsed, at)

    try:
        target = addresses.check(claimed.url, allowed_networks=allowed_networks)
    except addresses.UnsafeURL as exc:
        return done(None, f"refused: {exc}")
    url, host_header = addresses.pinned_url(target, target.addresses[0])
    signature = Webhook(claimed.secret).sign(claimed.message_id, at, claimed.body)
    headers = {
        "content-type": "application/json",
        "host": host_header,
        "user-agent": "cohort-selection-webhooks/1",
        "webhook-id": claimed.message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        with client.stream(
            "POST",
            url,
            content=claimed.body.encode("utf-8"),
            headers=headers,
            extensions=extensions,
        ) as response:
            # Read a short answer to the end so the connection is kept alive for the next
            # delivery; stop at a bound, so a receiver cannot make the worker download much.
            seen = 0
            for chunk in response.iter_raw():
                seen += len(chunk)
                if seen > _ANSWER_BYTES:
                    break
            return done(
                response.status_code, None if response.is_success else response.reason_phrase
            )
    except Exception as exc:  # whatever goes wrong is this attempt's failure, never the worker's
        return done(None, f"{type(exc).__name__}: {exc}")


def record(
    session: Session, outcomes: Sequence[tuple[Claimed, Outcome]], *, settings: Settings
) -> int:
    """Log the attempts, settle or reschedule each delivery, and track endpoints' failure runs;
    return how many deliveries were given up on (failed for good)."""
    if not outcomes:
        return 0
    endpoint_ids = sorted({claimed.endpoint_id for claimed, _ in outcomes})
    endpoints = {
        e.id: e
        for e in session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.id.in_(endpoint_ids))
            .order_by(WebhookEndpoint.id)
            .with_for_update()
        )
    }
    delivery_ids = [claimed.delivery_id for claimed, _ in outcomes]
    known = {
        delivery_id: (attempts_made, retry_from)
        for delivery_id, attempts_made, retry_from in session.execute(
            select(WebhookDelivery.id, WebhookDelivery.attempts, WebhookDelivery.retry_from).where(
                WebhookDelivery.id.in_(delivery_ids)
            )
        )
    }
    window = dt.timedelta(seconds=settings.webhook_retry_window_seconds)
    changes: list[dict[str, Any]] = []
    attempts: list[dict[str, Any]] = []
    for claimed, outcome in sorted(outcomes, key=lambda pair: pair[1].at):
        if claimed.delivery_id not in known:  # the endpoint was deleted meanwhile
            continue
        attempts_made, retry_from = known[claimed.delivery_id]
        attempts.append(
            {
                "delivery_id": claimed.delivery_id,
                "at": outcome.at,
                "status": outcome.status,
                "error": outcome.error,
                "duration_ms": outcome.duration_ms,
            }
        )
        if attempts_made != claimed.attempt:  # its lease ran out and another worker took it
            continue
        endpoint = endpoints.get(claimed.endpoint_id)
        change: dict[str, Any] = {
            "id": claimed.delivery_id,
            "last_status": outcome.status,
            "last_error": outcome.error,
        }
        if outcome.ok:
            change |= {
                "state": "delivered",
                "delivered_at": outcome.at,
                "next_attempt_at": outcome.at,
            }
            if endpoint is not None:
                endpoint.consecutive_failures = 0
                endpoint.failing_since = None
        else:
            delay = backoff(
                attempts_made,
                base=settings.webhook_retry_base_seconds,
                ceiling=settings.webhook_retry_max_seconds,
            )
            expired = outcome.at >= retry_from + window
            change |= {
                "state": "failed" if expired else "pending",
                "delivered_at": None,
                "next_attempt_at": outcome.at + delay,
            }
            if endpoint is not None:
                _count_failure(endpoint, outcome.at, settings)
        changes.append(change)
    if attempts:
        session.execute(insert(WebhookAttempt), attempts)
    if changes:
        session.execute(update(WebhookDelivery), changes)
    session.flush()
    return sum(1 for change in changes if change.get("state") == "failed")


def _count_failure(endpoint: WebhookEndpoint, at: dt.datetime, settings: Settings) -> None:
    endpoint.consecutive_failures += 1
    if endpoint.failing_since is None:
        endpoint.failing_since = at
    long_enough = at - endpoint.failing_since >= dt.timedelta(
        seconds=settings.webhook_disable_after_seconds
    )
    if (
        endpoint.enabled
        and endpoint.consecutive_failures >= settings.webhook_disable_after_failures
        and long_enough
    ):
        endpoint.enabled = False
        endpoint.disabled_at = at
        endpoint.disabled_reason = (
            f"{endpoint.consecutive_failures} failed attempts in a row since "
            f"{endpoint.failing_since.isoformat()}"
        )
        log.warning("webhook endpoint %s disabled: %s", endpoint.id, endpoint.disabled_reason)


class Worker:
    """Delivers until stopped: in a thread of the web process, or alone (``cohorts webhooks``)."""

    def __init__(
        self, engine: Engine, settings: Settings, *, metrics: Metrics | None = None
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        self._sessions: sessionmaker[Session] = create_sessionmaker(engine)
        self._client = httpx.Client(
            timeout=httpx.Timeout(settings.webhook_timeout_seconds),
            follow_redirects=False,  # a redirect could point anywhere, unchecked
            trust_env=False,  # a proxy from the environment would bypass the address check
            limits=httpx.Limits(max_connections=settings.webhook_concurrency * 2),
        )
        self._pool = ThreadPoolExecutor(
            max_workers=settings.webhook_concurrency, thread_name_prefix="webhook-send"
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        """Claim one batch, send it, record it; how many deliveries were attempted."""
        lease = dt.timedelta(seconds=self.settings.webhook_lease_seconds)
        with self._sessions.begin() as session:
            batch = claim(session, limit=self.settings.webhook_batch_size, lease=lease)
        if not batch:
            return 0
        allowed = self.settings.webhook_allowed_networks
        results = list(
            self._pool.map(lambda c: send(self._client, c, allowed_networks=allowed), batch)
        )
        with self._sessions.begin() as session:
            given_up = record(
                session, list(zip(batch, results, strict=True)), settings=self.settings
            )
        if self.metrics is not None:
            ok = sum(1 for outcome in results if outcome.ok)
            self.metrics.observe_webhook_attempts(
                ok=ok, error=len(results) - ok, given_up=given_up
            )
        return len(batch)

    def drain(self) -> int:
        """Deliver until nothing is due now; how many attempts were made."""
        total = 0
        while (done := self.run_once()) > 0:
            total += done
        return total

    def run(self) -> None:
        """Loop until ``stop``: a full batch goes on at once, otherwise wait one poll interval."""
        while not self._stop.is_set():
            try:
                done = self.run_once()
            except Exception:  # the database may be away for a moment; the loop must live on
                log.exception("webhook delivery failed; retrying after the poll interval")
                done = 0
            if done < self.settings.webhook_batch_size:
                self._stop.wait(self.settings.webhook_poll_seconds)

    def start(self) -> Worker:
        """Run in a daemon thread of this process."""
        self._thread = threading.Thread(target=self.run, name="webhook-worker", daemon=True)
        self._thread.start()
        return self

    def request_stop(self) -> None:
        """Ask the loop to end after the batch in flight (safe from a signal handler)."""
        self._stop.set()

    def stop(self) -> None:
        """Ask the loop to end, wait for the batch in flight, and close the client."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.settings.webhook_timeout_seconds + 5)
        self._pool.shutdown(wait=True)
        self._client.close()


def run_alone(settings: Settings, *, once: bool) -> int:
    """``cohorts webhooks deliver``: deliver until SIGTERM or Ctrl-C, or, with ``once``, until
    nothing is due; prints how many attempts were made."""
    engine = create_db_engine(
        settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    worker = Worker(engine, settings)
    try:
        if once:
            print(f"{worker.drain()} delivery attempts")
            return 0
        signal.signal(signal.SIGTERM, lambda _signum, _frame: worker.request_stop())
        with contextlib.suppress(KeyboardInterrupt):
            worker.run()
        return 0
    finally:
        worker.stop()
        engine.dispose()
