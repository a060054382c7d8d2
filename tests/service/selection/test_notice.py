"""The public notice (公示): open it, read it without a key, object, resolve, promote, publish."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from schemas.webhooks import WebhookIn
from service.access import Role
from service.keys import Principal
from service.models import AuditEvent, Objection, WebhookEvent
from service.webhooks import service as webhooks
from tests.service.selection.builders import (
    Headers,
    end_notice,
    open_notice,
    scored_round,
    shortlist,
    to_state,
)

ADMIN = Principal(None, "test-admin", Role.ADMIN)
HOSTILE = "<script>alert('异议')</script>\r\n\t\"; DROP TABLE objections; --  "


def _decide(client: TestClient, as_role: Headers, round_id: int) -> tuple[list[str], list[str]]:
    """Select the seed shortlist's top three and waitlist the next three; (selected, waitlist
    in rank order)."""
    items = shortlist(client, as_role("chair"), round_id, "seed")["items"]
    inside = [i for i in items if i["within_capacity"]]
    below = [i for i in items if not i["within_capacity"]][:3]
    response = client.post(
        f"/v1/rounds/{round_id}/cohorts/seed/decisions",
        # No reviewer has rated yet, so each selection says why (complete-ratings rule).
        json={"decisions": [{"nomination_id": i["nomination_id"], "outcome": "select",
                             "reason": "selected before ratings, in committee"}
                            for i in inside]
              + [{"nomination_id": i["nomination_id"], "outcome": "waitlist"} for i in below]},
        headers=as_role("chair"))
    assert response.status_code == 201, response.text
    return sorted(i["uscc"] for i in inside), [i["uscc"] for i in below]


def noticed_round(client: TestClient, as_role: Headers, **body: Any) -> tuple[int, list[str],
                                                                              list[str]]:
    """A seed round (capacity 3) decided and in its notice period; (id, selected, waitlist)."""
    round_id = scored_round(client, as_role, per_cohort=8, capacity=3)
    selected, waitlist = _decide(client, as_role, round_id)
    opened = open_notice(client, as_role, round_id, **body)
    assert opened.status_code == 200, opened.text
    return round_id, selected, waitlist


def _object(client: TestClient, round_id: int, uscc: str, grounds: str = "Not a real SME.",
            **extra: Any) -> Any:
    return client.post(f"/v1/notices/{round_id}/objections",
                       json={"uscc": uscc, "grounds": grounds, "contact": "tel 010-1234",
                             **extra})


def test_the_notice_is_public_and_shows_names_codes_and_cohorts_only(
    client: TestClient, as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=8, capacity=3)
    selected, _waitlist = _decide(client, as_role, round_id)
    assert client.get(f"/v1/notices/{round_id}").status_code == 404  # nothing public yet
    assert open_notice(client, as_role, round_id).status_code == 200

    notice = client.get(f"/v1/notices/{round_id}")  # no key
    assert notice.status_code == 200, notice.text
    body = notice.json()
    today = dt.date.today()
    assert body["starts_on"] == today.isoformat()
    assert body["ends_on"] == (today + dt.timedelta(days=6)).isoformat()  # 7 calendar days
    assert set(body) == {"round_id", "round_name", "state", "starts_on", "ends_on", "cohorts"}
    seed = next(c for c in body["cohorts"] if c["cohort"] == "seed")
    assert [f["uscc"] for f in seed["firms"]] == selected
    assert all(set(f) == {"uscc", "name", "cohort"} for f in seed["firms"])
    again = client.get(f"/v1/notices/{round_id}",
                       headers={"If-None-Match": notice.headers["etag"]})
    assert again.status_code == 304

    frozen = client.post(f"/v1/rounds/{round_id}/cohorts/seed/decisions",
                         json={"decisions": []}, headers=as_role("chair"))
    assert frozen.status_code in (409, 422)
    moved = to_state(client, as_role, round_id, "scoring")
    assert moved.status_code == 409
    shown = client.get(f"/v1/rounds/{round_id}", headers=as_role("officer")).json()
    assert shown["state"] == "notice"
    assert shown["notice_ends_on"] == body["ends_on"]


def test_the_period_is_set_by_days_end_date_or_the_round(
    client: TestClient, as_role: Headers
) -> None:
    today = dt.date.today()
    round_id, _s, _w = noticed_round(client, as_role, days=5)
    shown = client.get(f"/v1/rounds/{round_id}", headers=as_role("admin")).json()
    assert shown["notice_ends_on"] == (today + dt.timedelta(days=4)).isoformat()
    again = client.post(f"/v1/rounds/{round_id}/notice", headers=as_role("admin"))
    assert again.status_code == 409  # already in notice

    other = scored_round(client, as_role, per_cohort=4, capacity=2)
    past = open_notice(client, as_role, other, ends_on=(today - dt.timedelta(days=1)).isoformat())
    assert past.status_code == 422
    assert past.json()["errors"][0]["loc"][-1] == "ends_on"
    both = client.post(f"/v1/rounds/{other}/notice", json={"days": 3, "ends_on": "2100-01-01"},
                       headers=as_role("admin"))
    assert both.status_code == 422
    assert client.get(f"/v1/rounds/{other}", headers=as_role("admin")).json()["state"] == "decided"


def test_objections_resolved_then_publication_with_the_promoted_firm(
    client: TestClient, as_role: Headers, app: FastAPI
) -> None:
    with app.state.write_sessions.begin() as session:
        webhooks.create(session, ADMIN, allowed_networks=["127.0.0.0/8"], data=WebhookIn(
            url="http://127.0.0.1:9/hooks", event_types=["notice.opened", "objection.filed",
                                                          "round.state_changed"]))
    round_id, selected, waitlist = noticed_round(client, as_role)
    filed = [_object(client, round_id, uscc) for uscc in selected[:2]]
    assert all(r.status_code == 201 for r in filed), filed[0].text
    dismissed_id, upheld_id = (r.json()["id"] for r in filed)
    assert filed[0].json()["state"] == "pending"

    early = client.post(f"/v1/rounds/{round_id}/publish", headers=as_role("admin"))
    assert early.status_code == 409
    assert "notice period runs until" in early.json()["detail"]
    end_notice(client, round_id)
    late = _object(client, round_id, selected[2])
    assert late.status_code == 409  # the period is over
    blocked = client.post(f"/v1/rounds/{round_id}/publish", headers=as_role("admin"))
    assert blocked.status_code == 409
    assert blocked.json()["unresolved_objections"] == [dismissed_id, upheld_id]

    listed = client.get(f"/v1/rounds/{round_id}/objections", headers=as_role("chair"))
    assert listed.status_code == 200
    assert [o["id"] for o in listed.json()["items"]] == [dismissed_id, upheld_id]
    assert listed.json()["items"][0]["contact"] == "tel 010-1234"

    url = f"/v1/rounds/{round_id}/objections/{{}}/resolution"
    no_reason = client.post(url.format(dismissed_id), json={"outcome": "dismiss"},
                            headers=as_role("admin"))
    assert no_reason.status_code == 422
    dismissed = client.post(url.format(dismissed_id),
                            json={"outcome": "dismiss", "reason": "Figures checked: in order."},
                            headers=as_role("admin"))
    assert dismissed.status_code == 200, dismissed.text
    assert dismissed.json()["offered"] is None
    upheld = client.post(url.format(upheld_id),
                         json={"outcome": "uphold", "reason": "Revenue misstated."},
                         headers=as_role("admin"))
    assert upheld.status_code == 200, upheld.text
    assert upheld.json()["offered"]["uscc"] == waitlist[0]  # the best-ranked waitlisted firm
    twice = client.post(url.format(upheld_id), json={"outcome": "dismiss", "reason": "x"},
                        headers=as_role("admin"))
    assert twice.status_code == 409
    notice = client.get(f"/v1/notices/{round_id}").json()
    seed = next(c for c in notice["cohorts"] if c["cohort"] == "seed")
    assert selected[1] not in [f["uscc"] for f in seed["firms"]]

    promotion = f"/v1/rounds/{round_id}/objections/{upheld_id}/promotion"
    wrong = client.post(promotion, json={"uscc": selected[0], "reason": "x"},
                        headers=as_role("admin"))
    assert wrong.status_code == 422  # not waitlisted
    promoted = client.post(promotion, json={"uscc": waitlist[0], "reason": "Next by rank."},
                           headers=as_role("admin"))
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["outcome"] == "select"
    assert client.post(promotion, json={"uscc": waitlist[1], "reason": "again"},
                       headers=as_role("admin")).status_code == 409

    published = client.post(f"/v1/rounds/{round_id}/publish", headers=as_role("admin"))
    assert published.status_code == 201, published.text
    members = client.get("/v1/cohorts/seed/members", params={"round_id": round_id},
                         headers=as_role("tracker")).json()["items"]
    assert sorted(m["uscc"] for m in members) == sorted([selected[0], selected[2], waitlist[0]])

    with app.state.read_sessions() as session:
        actions = set(session.scalars(select(AuditEvent.action)))
        events = list(session.scalars(select(WebhookEvent.event_type).order_by(WebhookEvent.id)))
    assert {"round.notice", "objection.file", "objection.dismiss", "objection.uphold",
            "decision.promote"} <= actions
    assert [e for e in events if e != "round.state_changed"] == [
        "notice.opened", "objection.filed", "objection.filed"]
    assert events[-1] == "round.state_changed"  # notice → published


def test_bad_objections_are_422_naming_the_field_and_store_nothing(
    client: TestClient, as_role: Headers, app: FastAPI
) -> None:
    round_id, selected, waitlist = noticed_round(client, as_role)
    cases = {
        "uscc": _object(client, round_id, waitlist[0]),  # not on the proposed list
        "grounds": _object(client, round_id, selected[0], grounds="异" * 5001),
        "contact": _object(client, round_id, selected[0], contact="x" * 201),
    }
    for field, response in cases.items():
        assert response.status_code == 422, (field, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert any(e["loc"][-1] == field for e in response.json()["errors"]), response.text
    nul = _object(client, round_id, selected[0], grounds="a\x00b")
    assert nul.status_code == 422
    extra = _object(client, round_id, selected[0], score=99)
    assert extra.status_code == 422
    assert client.post("/v1/notices/999999/objections", json={
        "uscc": selected[0], "grounds": "x", "contact": "y"}).status_code == 404
    with app.state.read_sessions() as session:
        assert session.scalar(select(func.count()).select_from(Objection)) == 0


def test_hostile_grounds_are_kept_verbatim_and_served_as_json(
    client: TestClient, as_role: Headers
) -> None:
    round_id, selected, _waitlist = noticed_round(client, as_role)
    filed = _object(client, round_id, selected[0], grounds=HOSTILE)
    assert filed.status_code == 201, filed.text
    listed = client.get(f"/v1/rounds/{round_id}/objections", headers=as_role("admin"))
    assert listed.headers["content-type"] == "application/json"
    assert listed.json()["items"][0]["grounds"] == HOSTILE  # not trimmed, not escaped away
    assert "<script>" not in listed.text.replace("\\u003c", "<").split('"grounds"')[0]


def test_objections_are_rate_limited_per_address(
    as_role: Headers, make_app: Callable[..., FastAPI], app: FastAPI
) -> None:
    limited = make_app(app.state.settings.model_copy(update={"objection_rate_limit": 2}))
    with TestClient(limited) as client:
        round_id, selected, _waitlist = noticed_round(client, as_role)
        assert _object(client, round_id, selected[0]).status_code == 201
        assert _object(client, round_id, selected[1]).status_code == 201
        third = _object(client, round_id, selected[2])
        assert third.status_code == 429
        assert third.headers["content-type"] == "application/problem+json"
        assert int(third.headers["retry-after"]) >= 1
        documented = limited.openapi()["paths"]["/v1/notices/{round_id}/objections"]["post"]
        assert "Retry-After" in documented["responses"]["429"]["headers"]
        listed = client.get(f"/v1/rounds/{round_id}/objections", headers=as_role("admin"))
        assert len(listed.json()["items"]) == 2


def test_a_public_body_is_held_to_the_public_limit(client: TestClient, as_role: Headers) -> None:
    # Anyone may post here without a key: a 100 MB body was buffered and parsed before the 422.
    round_id, selected, _waitlist = noticed_round(client, as_role)
    longest = _object(client, round_id, selected[0], grounds="异" * 5000)  # 6 bytes each, as \u5f02
    assert longest.status_code == 201, longest.text
    padded = b'{"uscc": "%s", "grounds": "x", "contact": "y", "pad": "%s"}' % (
        selected[1].encode(),
        b"a" * (64 * 1024),
    )
    refused = client.post(
        f"/v1/notices/{round_id}/objections",
        content=padded,
        headers={"Content-Type": "application/json"},
    )
    assert refused.status_code == 413, refused.text
    assert refused.json()["limit_bytes"] == 64 * 1024
    listed = client.get(f"/v1/rounds/{round_id}/objections", headers=as_role("admin"))
    assert len(listed.json()["items"]) == 1


def test_a_body_without_any_credential_is_held_to_the_public_limit(
    client: TestClient, as_role: Headers
) -> None:
    # FastAPI parses a body before the key is checked: without a key or a page session, a
    # 15 MB body to a key-only route cost about 0.3 s and 200 MB before its 401.
    big = b'{"name": "%s", "year": 2026, "reference_date": "2026-06-30"}' % (b"x" * 100_000)
    anonymous = client.post("/v1/rounds", content=big,
                            headers={"Content-Type": "application/json"})
    assert anonymous.status_code == 413, anonymous.text
    assert anonymous.json()["limit_bytes"] == 64 * 1024
    assert "API key" in anonymous.json()["detail"]
    small = client.post("/v1/rounds", json={"name": "r"})
    assert small.status_code == 401  # under the limit: the usual answer
    # A key lifts it to the general limit: the body reaches validation (a name too long).
    keyed = client.post("/v1/rounds", content=big,
                        headers={**as_role("admin"), "Content-Type": "application/json"})
    assert keyed.status_code == 422, keyed.text
    # An unknown key is refused once the body passes the public limit, before the rest is read
    # or parsed (parsed first, this broken JSON was a 422), whether the body declares its
    # length or streams it.
    broken = big[:-1]
    for content in (broken, iter([broken[:40_000], broken[40_000:]])):
        forged = client.post("/v1/rounds", content=content,
                             headers={"X-API-Key": "ck_0123456789ab_forged",
                                      "Content-Type": "application/json"})
        assert forged.status_code == 401, forged.text
        assert forged.headers["www-authenticate"] == 'ApiKey header="X-API-Key"'
        assert forged.json()["detail"] == "The API key is unknown or revoked."
    # So does a page session cookie, valid or not: the session is checked by the page itself.
    cookied = client.post("/v1/rounds", content=big,
                          headers={"Content-Type": "application/json",
                                   "Cookie": "cohorts_session=not-a-session"})
    assert cookied.status_code == 401, cookied.text
