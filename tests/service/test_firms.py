"""The firm registry over HTTP: profiles with optimistic concurrency, filings, funding, listing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.service.builders import filing, firm_profile, make_uscc

Headers = Callable[[str], dict[str, str]]


def test_create_read_update_with_etag(client: TestClient, as_role: Headers) -> None:
    uscc = make_uscc(1)
    created = client.put(f"/v1/firms/{uscc}", json=firm_profile(), headers=as_role("officer"))
    assert created.status_code == 201, created.text
    assert created.json()["region"] == "110108"
    etag = created.headers["etag"]
    read = client.get(f"/v1/firms/{uscc}", headers=as_role("reviewer"))
    assert read.status_code == 200
    assert read.headers["etag"] == etag
    assert read.json()["name"] == "中关村示例科技有限公司"

    updated = client.put(
        f"/v1/firms/{uscc}",
        json=firm_profile(sub_segment="类脑芯片"),
        headers={**as_role("officer"), "If-Match": etag},
    )
    assert updated.status_code == 200
    assert updated.headers["etag"] != etag
    assert updated.json()["version"] == 2

    stale = client.put(
        f"/v1/firms/{uscc}",
        json=firm_profile(sub_segment="又一次修改"),
        headers={**as_role("officer"), "If-Match": etag},
    )
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    assert stale.json()["current_etag"] == updated.headers["etag"]
    assert (
        client.get(f"/v1/firms/{uscc}", headers=as_role("admin")).json()["sub_segment"]
        == "类脑芯片"
    )


def test_unchanged_put_keeps_version(client: TestClient, as_role: Headers) -> None:
    uscc = make_uscc(2)
    client.put(f"/v1/firms/{uscc}", json=firm_profile(), headers=as_role("officer"))
    again = client.put(f"/v1/firms/{uscc}", json=firm_profile(), headers=as_role("officer"))
    assert again.status_code == 200
    assert again.json()["version"] == 1


def test_full_width_uscc_in_path_is_normalised(client: TestClient, as_role: Headers) -> None:
    uscc = make_uscc(3)
    wide = "".join(chr(ord(c) + 0xFEE0) for c in uscc)  # full-width forms, as Excel exports them
    response = client.put(f"/v1/firms/{wide}", json=firm_profile(), headers=as_role("officer"))
    assert response.status_code == 201, response.text
    assert response.json()["uscc"] == uscc


def test_wrong_check_character_names_the_expected_one(client: TestClient, as_role: Headers) -> None:
    uscc = make_uscc(4)
    wrong = uscc[:-1] + ("0" if uscc[-1] != "0" else "1")
    response = client.put(f"/v1/firms/{wrong}", json=firm_profile(), headers=as_role("officer"))
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["loc"] == ["path", "uscc"]
    assert repr(uscc[-1]) in body["detail"] or uscc[-1] in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "含\x00空字符"}, "name"),
        ({"name": "长" * 201}, "name"),
        ({"founded_on": "2018-02-30"}, "founded_on"),
        ({"sector": "astrology"}, "sector"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_profiles_are_422_naming_the_field(
    client: TestClient, as_role: Headers, change: dict[str, object], field: str
) -> None:
    uscc = make_uscc(5)
    response = client.put(
        f"/v1/firms/{uscc}", json=firm_profile(**change), headers=as_role("officer")
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert any(field in err["loc"] for err in response.json()["errors"])
    assert client.get(f"/v1/firms/{uscc}", headers=as_role("admin")).status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"employees": -3}, "employees"),
        ({"employees": 10, "rd_staff": 11}, "rd_staff"),
        ({"ip_class1": 2**63}, "ip_class1"),
        ({"revenue": 1e400}, "revenue"),
    ],
)
def test_bad_filings_are_422(
    client: TestClient, as_role: Headers, change: dict[str, object], field: str
) -> None:
    uscc = make_uscc(6)
    client.put(f"/v1/firms/{uscc}", json=firm_profile(), headers=as_role("officer"))
    body = filing(**change)
    # json.dumps refuses inf; send the literal text so the server meets what a client might send.
    import json

    text = json.dumps(body, allow_nan=True).replace("Infinity", "1e400")
    response = client.put(
        f"/v1/firms/{uscc}/filings/2024",
        content=text,
        headers={**as_role("officer"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert field in json.dumps(response.json()["errors"])
    assert client.get(f"/v1/firms/{uscc}/filings", headers=as_role("admin")).json() == []


def test_filings_and_funding_rounds(client: TestClient, as_role: Headers) -> None:
    uscc = make_uscc(7)
    client.put(f"/v1/firms/{uscc}", json=firm_profile(), headers=as_role("officer"))
    assert (
        client.put(
            f"/v1/firms/{uscc}/filings/2024", json=filing(), headers=as_role("officer")
        ).status_code
        == 201
    )
    replaced = client.put(
        f"/v1/firms/{uscc}/filings/2024",
        json=filing(revenue=13_000_000.0),
        headers=as_role("admin"),
    )
    assert replaced.status_code == 200
    assert replaced.json()["revenue"] == 13_000_000.0
    assert (
        client.put(
            f"/v1/firms/{uscc}/filings/1800", json=filing(), headers=as_role("officer")
        ).status_code
        == 422
    )
    funding = {
        "announced_on": "2024-05-01",
        "stage": "series-a",
        "amount": 5e7,
        "post_money_valuation": 3e8,
    }
    first = client.post(
        f"/v1/firms/{uscc}/funding-rounds", json=funding, headers=as_role("officer")
    )
    assert first.status_code == 201, first.text
    again = client.post(
        f"/v1/firms/{uscc}/funding-rounds", json=funding, headers=as_role("officer")
    )
    assert again.status_code == 409
    listed = client.get(f"/v1/firms/{uscc}/funding-rounds", headers=as_role("chair")).json()
    assert [r["stage"] for r in listed] == ["series-a"]
    missing = client.post(
        f"/v1/firms/{make_uscc(8)}/funding-rounds", json=funding, headers=as_role("officer")
    )
    assert missing.status_code == 404


def test_list_filters_and_cursor_pagination(client: TestClient, as_role: Headers) -> None:
    for serial in range(10, 25):
        sector = "ai" if serial % 2 else "fintech"
        client.put(
            f"/v1/firms/{make_uscc(serial)}",
            json=firm_profile(sector=sector),
            headers=as_role("officer"),
        )
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 4, "sector": "ai"}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/v1/firms", params=params, headers=as_role("reviewer")).json()
        seen += [item["uscc"] for item in page["items"]]
        assert all(item["sector"] == "ai" for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 7  # odd serials 11..23
    assert seen == sorted(seen)
    assert len(set(seen)) == 7
    bad = client.get("/v1/firms", params={"cursor": "bm9wZQ"}, headers=as_role("reviewer"))
    assert bad.status_code == 422
    assert client.get("/v1/firms", params={"limit": 0}, headers=as_role("admin")).status_code == 422


def test_writes_are_audited_with_who_and_request_id(client: TestClient, as_role: Headers) -> None:
    uscc = make_uscc(30)
    client.put(
        f"/v1/firms/{uscc}",
        json=firm_profile(),
        headers={**as_role("officer"), "X-Request-ID": "req-audit-1"},
    )
    events = client.get("/v1/audit", params={"target_id": uscc}, headers=as_role("admin")).json()[
        "items"
    ]
    assert len(events) == 1
    event = events[0]
    assert event["action"] == "firm.create"
    assert event["actor_label"] == "test-officer"
    assert event["actor_role"] == "officer"
    assert event["request_id"] == "req-audit-1"


def test_timestamps_come_back_in_utc_with_their_offset(
    client: TestClient, as_role: Headers
) -> None:
    # SQLite keeps no offset of its own; the API must still say which clock a time is on.
    uscc = make_uscc(31)
    before = dt.datetime.now(dt.UTC)
    created = client.put(f"/v1/firms/{uscc}", json=firm_profile(), headers=as_role("officer"))
    assert created.status_code == 201, created.text
    read = client.get(f"/v1/firms/{uscc}", headers=as_role("reviewer")).json()
    events = client.get("/v1/audit", params={"target_id": uscc}, headers=as_role("admin")).json()[
        "items"
    ]
    stamps = [read["created_at"], read["updated_at"], events[0]["at"]]
    for stamp in stamps:
        parsed = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        assert parsed.utcoffset() == dt.timedelta(0), stamp
        assert before - dt.timedelta(seconds=5) <= parsed <= dt.datetime.now(dt.UTC)
    # A filter with an offset compares on the same clock.
    later = (before + dt.timedelta(hours=1)).astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert (
        client.get(
            "/v1/audit",
            params={"target_id": uscc, "since": later.isoformat()},
            headers=as_role("admin"),
        ).json()["items"]
        == []
    )
    earlier = (before - dt.timedelta(minutes=1)).astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert (
        len(
            client.get(
                "/v1/audit",
                params={"target_id": uscc, "since": earlier.isoformat()},
                headers=as_role("admin"),
            ).json()["items"]
        )
        == 1
    )
