"""The committee pages of the third pass, read as people read them: KPI conditions, the public
notice, the growth model card, form errors in the page's language, the reviewer's own ratings,
the chair's choices carried back, stability in words and the closed upload."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from markupsafe import escape

from tests.service.pages.test_committee_pages import _noticed_round
from tests.service.pages.test_pages import HOSTILE, sign_in
from tests.service.selection.builders import Headers
from tests.service.selection.test_publication import published_round


def test_the_kpi_conditions_read_in_the_pages_language(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id, _selected = published_round(client, as_role)
    sign_in(client, api_keys["officer"])
    chinese = client.get(f"/ui/rounds/{round_id}").text
    assert "最新营业收入不低于 1,000 亿元（千亿级）" in chinese
    assert "营业收入 5,000 万元至 1 亿元" in chinese
    assert "至少 1 家（规划未给出数量）" in chinese
    assert "latest revenue" not in chinese
    assert "the plan states no number" not in chinese
    english = client.get(f"/ui/rounds/{round_id}", params={"lang": "en"}).text
    assert "latest revenue ≥ 100,000,000,000 yuan" in english
    assert "at least 1 (the plan states no number)" in english
    assert "最新营业收入" not in english


def test_the_public_notice_is_a_page_for_every_role_and_for_anonymous_visitors(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id, inside = _noticed_round(client, as_role)
    period = client.get(f"/v1/notices/{round_id}").json()
    path = f"/ui/notices/{round_id}"
    for role in [None, *sorted(api_keys)]:
        client.cookies.clear()
        if role is not None:
            sign_in(client, api_keys[role])
        page = client.get(path)
        assert page.status_code == 200, (role, page.text)
        assert "拟入选企业名单公示" in page.text
        assert f'{period["starts_on"]} 至 {period["ends_on"]}' in page.text
        assert all(f'data-uscc="{i["uscc"]}"' in page.text for i in inside)
        assert all(str(escape(i["name"])) in page.text for i in inside)
        assert 'action="/ui/notices/' in page.text  # the objection form while it runs
        assert "rank" not in page.text  # no scores or ranks, as in the API
    english = client.get(path, params={"lang": "en"}).text
    assert "Public notice of the proposed members" in english
    assert "How to object" in english
    assert client.get("/ui/notices/999999").status_code == 404
    client.cookies.clear()
    sign_in(client, api_keys["chair"])
    dashboard = client.get(f"/ui/rounds/{round_id}").text
    assert f'href="/ui/notices/{round_id}"' in dashboard
    assert "/v1/notices/" not in dashboard


def test_an_anonymous_visitor_objects_through_the_form_with_csrf_and_the_rate_limit(
    app: FastAPI,
    client: TestClient,
    make_app: Callable[..., FastAPI],
    as_role: Headers,
) -> None:
    round_id, inside = _noticed_round(client, as_role)
    limited = make_app(app.state.settings.model_copy(update={"objection_rate_limit": 2}))
    form = {"uscc": inside[0]["uscc"], "grounds": HOSTILE, "contact": "tel 010-1234"}
    path = f"/ui/notices/{round_id}"
    with TestClient(limited) as visitor:
        assert visitor.get(path).status_code == 200  # sets the double-submit cookie
        refused = visitor.post(f"{path}/objections", data=form)
        assert refused.status_code == 403  # no token in the form
        token = visitor.cookies["cohorts_csrf"]
        filed = visitor.post(f"{path}/objections", data={**form, "csrf_token": token})
        assert filed.status_code == 201, filed.text
        number = re.search(r'data-receipt="(\d+)"', filed.text)
        assert number is not None
        assert "异议已收到" in filed.text
        listed = visitor.get(
            f"/v1/rounds/{round_id}/objections", headers=as_role("admin")
        ).json()["items"]
        assert [(o["id"], o["grounds"]) for o in listed] == [(int(number.group(1)), HOSTILE)]
        # The API and the form share one allowance per address.
        api = visitor.post(f"/v1/notices/{round_id}/objections", json=form)
        assert api.status_code == 201, api.text
        over = visitor.post(f"{path}/objections", data={**form, "csrf_token": token})
        assert over.status_code == 429
        assert "Retry-After" in over.headers
    with TestClient(make_app()) as fresh:
        fresh.get(path)
        token = fresh.cookies["cohorts_csrf"]
        blank = {**form, "grounds": "   ", "csrf_token": token}
        assert fresh.post(f"{path}/objections", data=blank).status_code == 422
