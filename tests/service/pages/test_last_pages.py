"""The committee pages of the fourth pass: the firm page right after a rating, every page form
refusing bad input with a page in the reader's language, ids and codes in words, and the
signed-in header on the public notice."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from markupsafe import escape
from pydantic import ValidationError

from service.growth import service as growth_service
from service.keys import revoke_key
from service.pages import rendering
from service.settings import Settings
from tests.service.pages.test_committee_pages import _noticed_round, _rated_criteria
from tests.service.pages.test_pages import HOSTILE, _stored_sessions, sign_in
from tests.service.selection.builders import Headers, assign_cohort, score, scored_round
from tests.service.selection.test_growth_runs import _panel_model
from tests.service.test_growth import ADMIN


def _field(html: str, criterion: str) -> tuple[str | None, str]:
    """The rating form's score value (None when blank) and comment for ``criterion``."""
    score = re.search(rf'<input id="score-{re.escape(criterion)}"[^>]*>', html)
    assert score is not None
    value = re.search(r'value="([^"]*)"', score.group(0))
    comment = re.search(
        rf'<textarea id="comment-{re.escape(criterion)}"[^>]*>(.*?)</textarea>', html, re.S
    )
    assert comment is not None
    return (value.group(1) if value else None), comment.group(1)


def _flags(html: str) -> str:
    """The flags above the firm's explanation, one per line."""
    return "\n".join(re.findall(r'<span class="flag">([^<]*)</span>', html))


def test_the_firm_page_after_a_rating_counts_it_and_shows_the_reviewers_own_ratings(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=4, capacity=2)
    first = assign_cohort(client, as_role, round_id, "seed")[0]
    criteria = _rated_criteria(client, as_role)
    token = sign_in(client, api_keys["reviewer"])
    path = f"/ui/rounds/{round_id}/cohorts/seed/firms/{first['uscc']}"
    before = client.get(path).text
    assert _flags(before).count("已评 0 份") == len(criteria)
    assert _field(before, criteria[0]) == (None, "")
    form = {
        "csrf_token": token,
        "nomination_id": str(first["nomination_id"]),
        f"score:{criteria[0]}": "6.5",
        f"comment:{criteria[0]}": HOSTILE,
    }
    rated = client.post(f"{path}/reviews", data=form)  # follows the redirect to the page
    assert rated.status_code == 200, rated.text
    assert "评分已保存" in rated.text
    assert _flags(rated.text).count("已评 0 份") == len(criteria) - 1
    assert _flags(rated.text).count("已评 1 份，共需 3 份") == 1
    assert _field(rated.text, criteria[0]) == ("6.5", str(escape(HOSTILE)))
    assert all(_field(rated.text, c) == (None, "") for c in criteria[1:])
    # The rank and total are still the run's: the page says so, with the run's time.
    run = client.get(
        f"/v1/rounds/{round_id}/cohorts/seed/shortlist", headers=as_role("chair")
    ).json()["run"]
    # Shown in Beijing time, the default display zone (stored in UTC).
    beijing = dt.datetime.fromisoformat(run["created_at"]).astimezone(
        dt.timezone(dt.timedelta(hours=8)))
    minute = f"{beijing:%Y-%m-%d %H:%M} 北京时间"
    assert f"名次与总分仍是评分批次 #{run['id']}（{minute}）的结果" in rated.text
    assert "名次与总分仍是评分批次" not in before
    english = client.get(path, params={"lang": "en"}).text
    assert _flags(english).count("1 of 3") == 1
    minute_en = minute.replace("北京时间", "Beijing time")
    assert f"still those of score run #{run['id']} ({minute_en})" in english
    # Another viewer sees the live count, never the reviewer's own form.
    client.cookies.clear()
    sign_in(client, api_keys["chair"])
    chair = client.get(path).text
    assert "已评 1 份，共需 3 份" in _flags(chair)
    assert 'id="score-' not in chair
    listed = client.get(f"/ui/rounds/{round_id}/cohorts/seed/shortlist").text
    assert "已评 1 份，共需 3 份" in _flags(listed)
    assert f"名次与总分仍是评分批次 #{run['id']}" in listed


def test_ratings_all_in_since_the_run_say_they_count_at_the_next_run(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=4, capacity=2)
    first = assign_cohort(client, as_role, round_id, "seed")[0]
    score(client, as_role, round_id, "seed")  # one rating needed per criterion now
    criteria = _rated_criteria(client, as_role)
    sign_in(client, api_keys["reviewer"])
    path = f"/ui/rounds/{round_id}/cohorts/seed/firms/{first['uscc']}"
    assert _flags(client.get(path).text).count("已评 0 份，共需 1 份") == len(criteria)
    rated = client.post(
        f"/v1/rounds/{round_id}/nominations/{first['nomination_id']}/reviews",
        json={"ratings": [{"criterion": c, "score": 7} for c in criteria]},
        headers=as_role("reviewer"),
    )
    assert rated.status_code == 201, rated.text
    page = client.get(path).text
    flags = _flags(page)
    assert "评分未齐" not in flags
    assert flags.count("评分已齐，下次评分时计入") == len(criteria)
    assert all(_field(page, c) == ("7", "") for c in criteria)
    english = _flags(client.get(path, params={"lang": "en"}).text)
    assert english.count("ratings in, counted at the next score run") == len(criteria)


def _said(html: str) -> list[str]:
    """The form's errors as the page lists them (the folded system text left out)."""
    listed = html.split('<ul class="form-errors">')[-1].split("</ul>")[0]
    return [re.sub(r"<[^>]+>", "", line) for line in re.findall(r"<li>(.*?)</li>", listed)]


def test_every_page_form_refuses_bad_input_with_a_page_in_the_readers_language(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=4, capacity=2)
    first = assign_cohort(client, as_role, round_id, "seed")[0]
    criterion = _rated_criteria(client, as_role)[0]
    rounds = client.get("/v1/rounds", headers=as_role("admin")).json()["items"]

    def refused(path: str, form: dict[str, str], *said: str, status: int = 422) -> None:
        token = client.cookies.get("cohorts_csrf") or ""
        answer = client.post(path, data={"csrf_token": token, **form}, follow_redirects=False)
        assert answer.status_code == status, (path, form, answer.text[:300])
        assert answer.headers["content-type"].startswith("text/html")
        lines = _said(answer.text)
        for words in said:
            assert any(words in line for line in lines), (words, lines)

    client.get("/ui/login")
    refused("/ui/login", {"api_key": "ck_\x00_x"}, status=400)  # was a 500 on PostgreSQL
    sign_in(client, api_keys["admin"])
    good = {"name": "第二轮", "year": "2026", "reference_date": "2026-06-30", "capacity": "5"}
    for bad, said in (
        ({"reference_date": "2026-02-30"}, "基准日：不是实际存在的日期"),
        ({"reference_date": "tomorrow"}, "基准日：须为日期，如 2026-06-30"),
        ({"reference_date": "1700-01-01"}, "基准日：不能小于 1800-01-01"),
        ({"name": "x" * 201}, "名称：过长（最多 200 个字符）"),
        ({"name": "a\x00b"}, "名称：含有不允许的字符"),
        ({"name": "   "}, "名称：不能为空"),
        ({"year": "nan"}, "年度：须为整数"),
        ({"capacity": "inf"}, "名额：须为整数"),
        ({"year": ""}, "年度："),
    ):
        refused("/ui/rounds", {**good, **bad}, said)
    english = client.post(
        "/ui/rounds",
        params={"lang": "en"},
        data={**good, "reference_date": "2026-02-30", "csrf_token": client.cookies["cohorts_csrf"]},
    )
    assert english.status_code == 422
    assert any("reference date: " in line for line in _said(english.text))
    assert client.get("/v1/rounds", headers=as_role("admin")).json()["items"] == rounds

    client.cookies.clear()
    sign_in(client, api_keys["reviewer"])
    firm = f"/ui/rounds/{round_id}/cohorts/seed/firms/{first['uscc']}"
    nomination = {"nomination_id": str(first["nomination_id"])}
    refused(f"{firm}/conflicts", {**nomination, "reason": "a\x00"}, "理由：含有不允许的字符")
    too_long = "过长（最多 2000 个字符）"
    refused(f"{firm}/conflicts", {**nomination, "reason": "x" * 2001}, f"理由：{too_long}")
    refused(
        f"{firm}/reviews",
        {**nomination, f"score:{criterion}": "5", f"comment:{criterion}": "x" * 2001},
        f"评语：{too_long}",
    )
    refused(f"{firm}/reviews", {**nomination, f"score:{criterion}": "inf"}, "评分：须为有限的数字")
    assert 'id="score-' in client.get(firm).text  # no conflict was recorded

    client.cookies.clear()
    sign_in(client, api_keys["chair"])
    decide = f"/ui/rounds/{round_id}/cohorts/seed/decisions"
    firm_json = client.get(f"/v1/firms/{first['uscc']}", headers=as_role("chair")).json()
    name = str(escape(firm_json["name"]))
    chosen = {f"outcome:{first['nomination_id']}": "waitlist"}
    for reason, said in (("a\x00", "含有不允许的字符"), ("x" * 2001, too_long)):
        for path in (f"{decide}/confirm", decide):
            form = {**chosen, f"reason:{first['nomination_id']}": reason}
            refused(path, form, f"{name}：理由：{said}")
    refused(decide, {"outcome:99999999999": "select"}, "决定：未选择任何决定")
    refused(decide, {"outcome:2147483648": "select"}, "决定：未选择任何决定")
    items = client.get(
        f"/v1/rounds/{round_id}/cohorts/seed/shortlist", headers=as_role("chair")
    ).json()["items"]
    assert all(i["decision"] is None for i in items)


def test_the_english_legend_and_the_growth_card_name_categories_and_features_in_words(
    app: FastAPI, client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=4, capacity=2)
    scheme = client.get("/v1/schemes/seed", headers=as_role("admin")).json()["document"]
    ids = [c["id"] for c in scheme["categories"]]
    sign_in(client, api_keys["chair"])
    path = f"/ui/rounds/{round_id}/cohorts/seed/shortlist"
    legend = re.search(r'<p class="legend">(.*?)</p>', client.get(path, params={"lang": "en"}).text)
    assert legend is not None
    said = [w.strip() for w in re.split(r"<span[^>]*></span>", legend.group(1))[1:]]
    assert ids == ["technology", "own-ip", "judgement", "growth", "momentum"]
    assert said == [
        "Hard technology",
        "Own intellectual property",
        str(escape("Expert reviewers' assessment")),
        "Growth",
        "Funding and potential",
    ]
    chinese = client.get(path, params={"lang": "zh"}).text
    assert re.search(r'<p class="legend">[^\n]*评审专家评议', chinese)

    trained = _panel_model()
    with app.state.write_sessions.begin() as session:
        model_id = growth_service.store(session, ADMIN, trained=trained, label="panel").id
    features = list(trained.card["features"])
    assert "log_revenue" in features
    card = f"/ui/growth-models/{model_id}"
    for lang, words in (
        ("zh", ("营业收入（元）", "研发投入强度")),
        ("en", ("revenue (yuan)", "R&D intensity")),
    ):
        html = client.get(card, params={"lang": lang}).text
        listed = re.search(r'<p class="features">(.*?)</p>', html)
        assert listed is not None
        text = re.sub(r"<[^>]+>", "", listed.group(1))
        assert not any(code in text for code in features if "_" in code), text
        assert all(str(escape(w)) in text for w in words), text
        assert listed.group(1).count("data-feature=") == len(features)


def _header(html: str) -> str:
    found = re.search(r'<header class="top">(.*?)</header>', html, re.S)
    assert found is not None
    return found.group(1)


def test_the_public_notice_names_signed_in_staff_and_stays_open_to_everyone(
    app: FastAPI, client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id, _inside = _noticed_round(client, as_role)
    path = f"/ui/notices/{round_id}"
    anonymous = client.get(path)
    assert anonymous.status_code == 200
    assert 'action="/ui/logout"' not in _header(anonymous.text)
    client.cookies.set("cohorts_session", "x" * 43, path="/ui")  # no such session
    assert 'action="/ui/logout"' not in _header(client.get(path).text)
    client.cookies.clear()
    sign_in(client, api_keys["chair"])
    label = client.get("/v1/whoami", headers=as_role("chair")).json()["label"]
    signed_in = _header(client.get(path).text)
    assert 'action="/ui/logout"' in signed_in
    assert str(escape(label)) in signed_in
    assert "评审委员会主任" in signed_in
    english = _header(client.get(path, params={"lang": "en"}).text)
    assert "Sign out" in english
    (stored,) = _stored_sessions(app)
    with app.state.write_sessions.begin() as session:
        revoke_key(session, key_id=stored.key_id)
    revoked = client.get(path, follow_redirects=False)
    assert revoked.status_code == 200  # still public: the visitor is anonymous now
    assert 'action="/ui/logout"' not in _header(revoked.text)


def test_times_read_in_the_display_zone_and_say_which() -> None:
    stored = dt.datetime(2026, 12, 31, 20, 5, tzinfo=dt.UTC)
    template = rendering._ENVIRONMENT.from_string("{{ at | minute }}")

    def shown(zone: str, lang: str) -> str:
        request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(
            settings=Settings(display_timezone=zone))))
        return template.render(request=request, lang=lang, at=stored)

    assert shown("Asia/Shanghai", "zh") == "2027-01-01 04:05 北京时间"  # the next day there
    assert shown("Asia/Shanghai", "en") == "2027-01-01 04:05 Beijing time"
    assert shown("UTC", "zh") == "2026-12-31 20:05 UTC"
    assert shown("America/New_York", "en") == "2026-12-31 15:05 UTC-05:00"
    assert template.render(at=None) == "—"
    with pytest.raises(ValidationError, match="unknown time zone"):
        Settings(display_timezone="Mars/Olympus")
