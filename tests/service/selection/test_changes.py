"""Membership after publication: ending one (with the waitlist filling the place), the history,
and the changes feed read by a generic paginator that stops when caught up."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from schemas.webhooks import WebhookIn
from service.models import Membership, WebhookEvent
from service.webhooks import service as webhooks
from tests.service.selection.builders import Headers, end_notice
from tests.service.selection.test_notice import ADMIN, noticed_round

FEED = "/v1/cohorts/changes"


def paginate(client: TestClient, url: str, headers: dict[str, str],
             params: dict[str, Any] | None = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """What any client of a cursor API does: follow ``next_cursor`` until it is null; (every
    item, the last page). Fails rather than loop forever."""
    items: list[dict[str, Any]] = []
    query = dict(params or {})
    for _page in range(1000):
        response = client.get(url, params=query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        if page["next_cursor"] is None:
            return items, page
        query["cursor"] = page["next_cursor"]
    raise AssertionError("the feed never ended")


def published(client: TestClient, as_role: Headers) -> tuple[int, list[str], list[str]]:
    """A seed round published through an uneventful notice; (id, members, waitlist)."""
    round_id, selected, waitlist = noticed_round(client, as_role)
    end_notice(client, round_id)
    response = client.post(f"/v1/rounds/{round_id}/publish", json={"valid_from": "2026-01-01"},
                           headers=as_role("admin"))
    assert response.status_code == 201, response.text
    return round_id, selected, waitlist


def _end(client: TestClient, as_role: Headers, uscc: str, **body: Any) -> Any:
    return client.post(f"/v1/cohorts/seed/members/{uscc}/end",
                       json={"on": "2027-03-01", "kind": "withdrawal",
                             "reason": "The firm withdrew.", **body},
                       headers=as_role("admin"))


def test_the_feed_terminates_then_resumes_with_ends_and_replacements(
    client: TestClient, as_role: Headers, app: FastAPI
) -> None:
    tracker = as_role("tracker")
    empty = client.get(FEED, headers=tracker)
    assert empty.json()["items"] == []
    assert empty.json()["next_cursor"] is None
    assert empty.json()["poll_after_seconds"] == 60
    assert empty.headers["retry-after"] == "60"
    with app.state.write_sessions.begin() as session:
        webhooks.create(session, ADMIN, allowed_networks=["127.0.0.0/8"], data=WebhookIn(
            url="http://127.0.0.1:9/hooks",
            event_types=["membership.added", "membership.ended"]))

    round_id, selected, waitlist = published(client, as_role)
    items, last = paginate(client, FEED, tracker, {"cursor": empty.json()["resume_cursor"],
                                                  "limit": 2})
    assert [(i["change"], i["uscc"]) for i in items] == [("added", u) for u in selected]
    assert [i["seq"] for i in items] == sorted(i["seq"] for i in items)

    gone, successor = selected[1], waitlist[0]
    ended = _end(client, as_role, gone, replacement=successor)
    assert ended.status_code == 200, ended.text
    assert ended.json()["ended"]["ended_kind"] == "withdrawal"
    assert ended.json()["replacement"]["valid_from"] == "2027-03-01"
    assert ended.json()["replacement"]["valid_until"] == "2029-01-01"

    later, _last = paginate(client, FEED, tracker, {"cursor": last["resume_cursor"]})
    assert [(i["change"], i["uscc"]) for i in later] == [("ended", gone), ("added", successor)]
    assert later[0]["ended_on"] == later[0]["effective_on"] == "2027-03-01"
    assert later[0]["ended_reason"] == "The firm withdrew."
    caught_up = client.get(FEED, params={"cursor": _last["resume_cursor"]}, headers=tracker)
    assert caught_up.json()["items"] == []
    assert caught_up.json()["next_cursor"] is None

    history = client.get(f"/v1/firms/{gone}/memberships", headers=tracker).json()["items"]
    assert [(h["round_id"], h["valid_until"], h["ended_kind"]) for h in history] == [
        (round_id, "2027-03-01", "withdrawal")]
    on = {day: sorted(m["uscc"] for m in client.get(
        "/v1/cohorts/seed/members", params={"on": day}, headers=tracker).json()["items"])
        for day in ("2027-02-28", "2027-03-01")}
    assert on["2027-02-28"] == selected
    assert on["2027-03-01"] == sorted([selected[0], selected[2], successor])
    assert _end(client, as_role, gone).status_code == 404  # no open membership any more

    with app.state.read_sessions() as session:
        events = [e.payload["type"] + ":" + e.payload["data"]["uscc"]
                  for e in session.scalars(select(WebhookEvent).order_by(WebhookEvent.id))]
    assert events[-2:] == [f"membership.ended:{gone}", f"membership.added:{successor}"]


def test_bad_ends_are_422_naming_the_field_and_change_nothing(
    client: TestClient, as_role: Headers, app: FastAPI
) -> None:
    _round_id, selected, waitlist = published(client, as_role)
    cases = {
        "on": _end(client, as_role, selected[0], on="2031-01-01"),
        "kind": _end(client, as_role, selected[0], kind="holiday"),
        "reason": _end(client, as_role, selected[0], reason=""),
        "replacement": _end(client, as_role, selected[0], replacement=selected[1]),
    }
    for field, response in cases.items():
        assert response.status_code == 422, (field, response.text)
        assert any(e["loc"][-1] == field for e in response.json()["errors"]), response.text
    with app.state.read_sessions() as session:
        assert all(m.closed_on is None for m in session.scalars(select(Membership)))
    assert client.post(f"/v1/cohorts/seed/members/{waitlist[0]}/end",
                       json={"on": "2027-01-01", "kind": "withdrawal", "reason": "x"},
                       headers=as_role("admin")).status_code == 404
    graduated = _end(client, as_role, selected[0], kind="graduation", on=dt.date(2028, 1, 1)
                     .isoformat())
    assert graduated.status_code == 200
    assert graduated.json()["replacement"] is None
