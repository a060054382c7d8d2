"""Delivery to a real receiver on loopback: signed, at-least-once, retried, disabled, never twice
at once, and nothing for a change that rolled back."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from service.access import Role
from service.db import create_sessionmaker
from service.keys import Principal
from service.models import WebhookDelivery
from service.selection.transitions import service as transitions
from service.webhooks import delivery
from service.webhooks import service as webhooks
from tests.service.selection.builders import Headers, open_round, to_state
from tests.service.selection.test_publication import published_round
from tests.service.webhooks.receiver import Receiver, wait_until
from tests.service.webhooks.test_endpoints import subscribe

# Workers, receivers and servers use real connections of their own.
pytestmark = pytest.mark.own_database

ADMIN = Principal(None, "test-admin", Role.ADMIN)

# A worker runs in threads of its own and commits: each test gets a database of its own.
pytestmark = pytest.mark.own_database


def log_of(client: TestClient, as_role: Headers, endpoint_id: int) -> list[dict[str, Any]]:
    """The endpoint's delivery log, newest first."""
    response = client.get(
        f"/v1/webhooks/{endpoint_id}/deliveries", params={"limit": 1000}, headers=as_role("admin")
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def moves_announced(
    client: TestClient, as_role: Headers, receiver: Receiver, *states: str
) -> dict[str, Any]:
    """A subscribed endpoint (its JSON) and a new round moved through ``states``."""
    created = subscribe(client, as_role, receiver.url)
    round_id = open_round(client, as_role)
    for state in states:
        assert to_state(client, as_role, round_id, state).status_code == 200
    return created


def test_publication_announces_every_member_signed_by_standard_webhooks(
    hook_client: TestClient, as_role: Headers, receiver: Receiver, make_worker: Any
) -> None:
    created = subscribe(hook_client, as_role, receiver.url)
    deaf = subscribe(hook_client, as_role, receiver.url, event_types=["objection.filed"])
    round_id, selected = published_round(hook_client, as_role)
    make_worker().drain()

    verifier = Webhook(created["secret"])
    payloads = [verifier.verify(r.body, r.headers) for r in receiver.requests]
    added = sorted(
        (p["data"]["cohort"], p["data"]["uscc"])
        for p in payloads
        if p["type"] == "membership.added"
    )
    assert added == sorted((c, u) for c, members in selected.items() for u in members)
    assert all(
        p["data"]["round_id"] == round_id and p["data"]["valid_until"] == "2029-01-01"
        for p in payloads
        if p["type"] == "membership.added"
    )
    moves = sorted(
        (p["data"]["from"], p["data"]["to"]) for p in payloads if p["type"] == "round.state_changed"
    )
    assert moves == [
        ("decided", "notice"), ("notice", "published"), ("open", "scoring"), ("scoring", "decided")
    ]
    first = receiver.requests[0]
    with pytest.raises(WebhookVerificationError):
        verifier.verify(first.body.replace(b"}", b" }", 1), first.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(deaf["secret"]).verify(first.body, first.headers)

    log = log_of(hook_client, as_role, created["id"])
    assert len(log) == len(payloads) == len(set(receiver.message_ids()))
    assert {d["message_id"] for d in log} == set(receiver.message_ids())
    assert all(d["state"] == "delivered" and d["last_status"] == 204 for d in log)
    assert log_of(hook_client, as_role, deaf["id"]) == []


def test_a_rolled_back_change_announces_nothing(
    hook_app: FastAPI,
    hook_client: TestClient,
    as_role: Headers,
    receiver: Receiver,
    make_worker: Any,
) -> None:
    subscribe(hook_client, as_role, receiver.url)
    round_id = open_round(hook_client, as_role)
    sessions = create_sessionmaker(hook_app.state.engine)

    def change_then_fail() -> None:
        with sessions.begin() as session:
            transitions.change_state(
                session, ADMIN, round_id=round_id, state="scoring", reason=None
            )
            assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 1
            raise RuntimeError("the change fails after its event was written")

    with pytest.raises(RuntimeError, match="after its event"):
        change_then_fail()
    refused = hook_client.post(f"/v1/rounds/{round_id}/publish", headers=as_role("admin"))
    assert refused.status_code == 409
    worker = make_worker()
    assert worker.drain() == 0
    assert receiver.requests == []

    assert to_state(hook_client, as_role, round_id, "scoring").status_code == 200
    assert worker.drain() == 1
    assert len(receiver.requests) == 1


def test_a_receiver_down_for_a_while_then_up_receives_every_event(
    hook_client: TestClient, as_role: Headers, receiver: Receiver, make_worker: Any
) -> None:
    receiver.stop()  # nothing listens: every connection is refused
    created = moves_announced(
        hook_client, as_role, receiver, "scoring", "decided", "scoring", "decided"
    )
    make_worker().start()

    assert wait_until(
        lambda: all(d["attempts"] >= 2 for d in log_of(hook_client, as_role, created["id"]))
    )
    down = log_of(hook_client, as_role, created["id"])
    assert all(d["state"] == "pending" and "ConnectError" in d["last_error"] for d in down)

    receiver.start()
    assert wait_until(
        lambda: all(d["state"] == "delivered" for d in log_of(hook_client, as_role, created["id"]))
    )
    assert set(receiver.message_ids()) == {d["message_id"] for d in down}
    assert len(down) == 4


def test_an_endpoint_failing_in_a_row_is_disabled_until_an_admin_enables_it(
    hook_client: TestClient, as_role: Headers, receiver: Receiver, make_worker: Any
) -> None:
    receiver.status = 500
    created = moves_announced(hook_client, as_role, receiver, "scoring", "decided", "scoring")
    worker = make_worker(webhook_disable_after_failures=3, webhook_disable_after_seconds=0)
    assert worker.drain() == 3
    endpoint = hook_client.get(f"/v1/webhooks/{created['id']}", headers=as_role("admin")).json()
    assert endpoint["enabled"] is False
    assert "3 failed attempts in a row" in endpoint["disabled_reason"]
    time.sleep(0.3)  # past every backoff: only the disabled flag holds them back
    assert worker.drain() == 0
    failed_ids = receiver.message_ids()

    receiver.status = 200
    enabled = hook_client.post(f"/v1/webhooks/{created['id']}/enable", headers=as_role("admin"))
    assert enabled.status_code == 200
    assert enabled.json()["enabled"] is True
    assert enabled.json()["consecutive_failures"] == 0
    assert worker.drain() == 3
    assert sorted(receiver.message_ids()[3:]) == sorted(failed_ids)  # the same webhook-ids
    assert all(d["state"] == "delivered" for d in log_of(hook_client, as_role, created["id"]))


def test_retry_resends_the_same_webhook_id_and_the_log_keeps_every_attempt(
    hook_client: TestClient, as_role: Headers, receiver: Receiver, make_worker: Any
) -> None:
    created = moves_announced(hook_client, as_role, receiver, "scoring")
    worker = make_worker()
    assert worker.drain() == 1
    (sent,) = log_of(hook_client, as_role, created["id"])
    path = f"/v1/webhooks/{created['id']}/deliveries/{sent['id']}"
    retried = hook_client.post(f"{path}/retry", headers=as_role("admin"))
    assert retried.status_code == 202
    assert retried.json()["state"] == "pending"
    assert worker.drain() == 1
    assert receiver.message_ids() == [sent["message_id"], sent["message_id"]]
    detail = hook_client.get(path, headers=as_role("admin")).json()
    assert detail["state"] == "delivered"
    assert [a["status"] for a in detail["log"]] == [204, 204]
    assert detail["payload"]["type"] == "round.state_changed"


def test_a_delivery_fails_for_good_after_its_retry_window(
    hook_client: TestClient, as_role: Headers, receiver: Receiver, make_worker: Any
) -> None:
    receiver.status = 503
    created = moves_announced(hook_client, as_role, receiver, "scoring")
    worker = make_worker(webhook_retry_window_seconds=0.3)

    def settled() -> bool:
        worker.drain()
        return bool(log_of(hook_client, as_role, created["id"])[0]["state"] != "pending")

    assert wait_until(settled, timeout=10)
    (gave_up,) = log_of(hook_client, as_role, created["id"])
    assert gave_up["state"] == "failed"
    assert gave_up["last_status"] == 503
    detail = hook_client.get(
        f"/v1/webhooks/{created['id']}/deliveries/{gave_up['id']}", headers=as_role("admin")
    ).json()
    assert len(detail["log"]) == gave_up["attempts"]
    last = dt.datetime.fromisoformat(detail["log"][-1]["at"])
    before_last = [dt.datetime.fromisoformat(a["at"]) for a in detail["log"][:-1]]
    window = dt.timedelta(seconds=0.3)
    created_at = dt.datetime.fromisoformat(gave_up["created_at"])
    assert last >= created_at + window  # it gave up only once the window had passed
    assert all(at < created_at + window for at in before_last)


def test_the_address_is_checked_again_before_each_attempt(
    hook_client: TestClient, as_role: Headers, receiver: Receiver, make_worker: Any
) -> None:
    created = moves_announced(hook_client, as_role, receiver, "scoring")
    # The retry is an hour away, so a slow first attempt cannot make it due within this drain.
    worker = make_worker(
        webhook_allowed_networks=[],
        webhook_retry_base_seconds=3600.0,
        webhook_retry_max_seconds=3600.0,
    )
    assert worker.drain() == 1
    assert receiver.requests == []
    (refused,) = log_of(hook_client, as_role, created["id"])
    assert refused["last_error"].startswith("refused: the host '127.0.0.1' resolves to")


def test_two_workers_never_send_one_delivery_twice(
    hook_app: FastAPI,
    hook_client: TestClient,
    as_role: Headers,
    receiver: Receiver,
    make_worker: Any,
) -> None:
    subscribe(hook_client, as_role, receiver.url, event_types=["objection.filed"])
    with create_sessionmaker(hook_app.state.engine).begin() as session:
        owed = webhooks.enqueue_many(session, "objection.filed", [{"n": n} for n in range(300)])
    assert owed == 300
    workers = [make_worker(webhook_batch_size=25) for _ in range(3)]
    threads = [threading.Thread(target=w.drain) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    ids = receiver.message_ids()
    assert len(ids) == 300
    assert len(set(ids)) == 300


def test_skip_locked_lets_a_second_worker_claim_other_rows_at_once(
    hook_app: FastAPI, hook_client: TestClient, as_role: Headers, receiver: Receiver
) -> None:
    engine = hook_app.state.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises claims through its writer lock instead")
    subscribe(hook_client, as_role, receiver.url, event_types=["objection.filed"])
    sessions = create_sessionmaker(engine)
    with sessions.begin() as session:
        webhooks.enqueue_many(session, "objection.filed", [{"n": n} for n in range(10)])
    lease = dt.timedelta(seconds=30)
    with sessions.begin() as first, sessions.begin() as second:
        mine = delivery.claim(first, limit=6, lease=lease)
        theirs = delivery.claim(second, limit=6, lease=lease)  # would block without SKIP LOCKED
    assert len(mine) == 6
    assert len(theirs) == 4
    assert not {c.delivery_id for c in mine} & {c.delivery_id for c in theirs}


def test_a_worker_whose_lease_ran_out_only_logs_its_late_answer(
    hook_app: FastAPI, hook_client: TestClient, as_role: Headers, receiver: Receiver
) -> None:
    created = subscribe(hook_client, as_role, receiver.url, event_types=["objection.filed"])
    sessions = create_sessionmaker(hook_app.state.engine)
    settings = hook_app.state.settings
    with sessions.begin() as session:
        webhooks.enqueue(session, "objection.filed", {"n": 1})
    with sessions.begin() as session:
        (slow,) = delivery.claim(session, limit=10, lease=dt.timedelta(0))  # lease already over
    with sessions.begin() as session:
        (quick,) = delivery.claim(session, limit=10, lease=dt.timedelta(seconds=60))
    assert (slow.delivery_id, slow.attempt, quick.attempt) == (quick.delivery_id, 1, 2)
    now = dt.datetime.now(dt.UTC)
    with sessions.begin() as session:
        delivery.record(session, [(quick, delivery.Outcome(204, None, 3, now))], settings=settings)
    with sessions.begin() as session:
        late = delivery.Outcome(None, "ReadTimeout", 5000, now - dt.timedelta(seconds=1))
        delivery.record(session, [(slow, late)], settings=settings)
    (settled,) = log_of(hook_client, as_role, created["id"])
    assert settled["state"] == "delivered"
    assert settled["last_status"] == 204
    detail = hook_client.get(
        f"/v1/webhooks/{created['id']}/deliveries/{settled['id']}", headers=as_role("admin")
    ).json()
    assert sorted(a["status"] or 0 for a in detail["log"]) == [0, 204]
