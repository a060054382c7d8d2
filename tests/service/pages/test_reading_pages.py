"""The committee pages of the third pass, read as people read them: KPI conditions, the public
notice, the growth model card, form errors in the page's language, the reviewer's own ratings,
the chair's choices carried back, stability in words and the closed upload."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from markupsafe import escape

from scoring.growth import TrainedModel
from service.growth import service as growth_service
from tests.service.pages.test_committee_pages import _noticed_round, _rated_criteria, _seed_items
from tests.service.pages.test_pages import HOSTILE, sign_in
from tests.service.selection.builders import Headers, assign_cohort, open_round, scored_round
from tests.service.selection.test_growth_runs import _panel_model
from tests.service.selection.test_publication import published_round
from tests.service.test_growth import ADMIN


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
    headings = re.findall(r'<h2 id="cohort-([a-z-]+)">', page.text)
    assert headings == ["leader", "hidden-champion", "seed"]  # the plan's order
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
        wrong = fresh.post(f"{path}/objections", data=blank)
        assert wrong.status_code == 422
        assert "异议理由：不能为空" in wrong.text


def test_the_growth_model_card_reads_in_words_with_years_as_spans(
    app: FastAPI, client: TestClient, api_keys: dict[str, str]
) -> None:
    trained = _panel_model()
    bins = [{"bin": 1, "n": 95, "mean_predicted": 0.03, "observed": 0.01}]
    card = {
        **trained.card,
        # The sections as `cohorts growth train --source registry` writes them.
        "backtest": {
            "train_years": [2012, 2020],
            "validation_year": 2020,
            "test_years": [2021, 2022],
            "model": {"auc": 0.8677, "brier": 0.1455, "precision_at_100": 0.82, "ece": 0.0342},
            "baseline": {"features": ["revenue_growth_1y"], "auc": 0.84, "brier": 0.16,
                         "precision_at_100": 0.96},
            "base_rate_predictor": {"brier": 0.2433, "base_rate": 0.4184},
        },
        "calibration": {
            "method": "Platt map p' = sigmoid(slope * logit(p) + intercept) fitted on pooled",
            "validation_year": 2022,
            "calibration_years": [2013, 2014, 2015, 2016],
            "on_validation_year": {"ece_before": 0.05, "ece_after": 0.03,
                                   "reliability_after": bins},
        },
        "metrics": {**trained.card["metrics"], "calibration_method": "platt-pooled"},
        "data_range": {"first_as_of": "2012-12-31", "last_as_of": "2022-12-31",
                       "as_of_years": [2012, 2022], "last_filed_year": 2025},
    }
    with app.state.write_sessions.begin() as session:
        model_id = growth_service.store(
            session, ADMIN, trained=TrainedModel(estimator=trained.estimator, card=card),
            label="panel",
        ).id
    sign_in(client, api_keys["reviewer"])
    chinese = client.get(f"/ui/growth-models/{model_id}").text
    for code in ("precision_at_100", "on_validation_year", "baseline", ">registry<",
                 "logistic", "[20", "first as of", "auc<", "brier<"):
        assert code not in chinese, code
    for words in ("企业年度申报数据", "逻辑回归", "前 100 名精确率", "Brier 分数", "简单基线",
                  "验证年", "最早观测日", "模型给前者更高概率的机会", "年均增长率不低于 20%"):
        assert words in chinese, words
    assert "训练年份 2012–2020" in chinese
    assert "校准年份 2013–2016" in chinese
    assert "观测年份</dt><dd>2012–2022" in chinese
    headers = re.findall(r'<table class="calibration">\s*<thead><tr>(.*?)</tr>', chinese, re.S)
    assert headers
    assert all(h.count('class="num"') == h.count("<th") for h in headers)
    english = client.get(f"/ui/growth-models/{model_id}", params={"lang": "en"}).text
    for words in ("logistic regression", "Precision at 100", "simple baseline",
                  "on the validation year", "0.5 is chance"):
        assert words in english, words


def _visible(html: str) -> str:
    """The page without its folded-away system text."""
    return re.sub(r"<details.*?</details>", "", html, flags=re.S)


def test_a_form_error_names_the_firm_and_the_field_in_the_pages_language(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=6, capacity=2)
    outside = next(i for i in _seed_items(client, as_role, round_id) if not i["within_capacity"])
    token = sign_in(client, api_keys["chair"])
    path = f"/ui/rounds/{round_id}/cohorts/seed/decisions"
    form = {"csrf_token": token, f"outcome:{outside['nomination_id']}": "select"}
    refused = client.post(path, data=form)
    assert refused.status_code == 422
    chinese = _visible(refused.text)
    assert str(escape(outside["name"])) in chinese
    said = f"名次 {outside['rank']}，位于名额线外，入选属于改变排名结果，须填写理由"
    assert f"理由：{said}" in chinese
    assert "body → decisions" not in chinese
    assert "needs a reason" not in chinese
    assert "body → decisions → 0 → reason" in refused.text  # the system's words, folded away
    english = client.post(path, params={"lang": "en"}, data=form).text
    assert str(escape(outside["name"])) in english
    assert "reason: select of a firm outside the capacity line" in english
    assert "body → decisions" not in english


def test_a_rating_that_is_not_a_finite_number_is_a_form_error_naming_the_firm(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=4, capacity=2)
    first = assign_cohort(client, as_role, round_id, "seed")[0]
    criterion = _rated_criteria(client, as_role)[0]
    token = sign_in(client, api_keys["reviewer"])
    path = f"/ui/rounds/{round_id}/cohorts/seed/firms/{first['uscc']}/reviews"
    name = client.get(f"/v1/firms/{first['uscc']}", headers=as_role("chair")).json()["name"]
    for score, said in (("nan", "须为有限的数字"), ("99", "须在 0 到 10 之间")):
        form = {
            "csrf_token": token,
            "nomination_id": str(first["nomination_id"]),
            f"score:{criterion}": score,
        }
        refused = client.post(path, data=form)
        assert refused.status_code == 422, (score, refused.text)
        assert str(escape(name)) in _visible(refused.text)
        assert f"评分：{said}" in _visible(refused.text), score


def test_stability_reads_as_a_percent_with_a_line_saying_what_it_is(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=6, capacity=2)
    items = _seed_items(client, as_role, round_id)
    sign_in(client, api_keys["chair"])
    page = client.get(f"/ui/rounds/{round_id}/cohorts/seed/shortlist").text
    assert "稳定性：将各指标权重随机调整" in page
    cells = re.findall(r'class="stack".*?</svg>\s*</td>\s*<td class="num">([^<]*)</td>', page, re.S)
    assert sorted(cells) == sorted(f"{i['stability'] * 100:.0f}%" for i in items)
    english = client.get(f"/ui/rounds/{round_id}/cohorts/seed/shortlist?lang=en").text
    assert "random re-weightings of the criteria" in english


def test_the_upload_form_is_offered_only_while_nominations_are_open(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=2, capacity=2)
    for role in ("officer", "admin"):
        client.cookies.clear()
        sign_in(client, api_keys[role])
        upload = client.get(f"/ui/rounds/{round_id}/upload")
        assert upload.status_code == 200
        assert 'type="file"' not in upload.text
        assert "本轮已结束征集（当前状态：评审中）" in upload.text
        dashboard = client.get(f"/ui/rounds/{round_id}").text
        assert f"/ui/rounds/{round_id}/upload" not in dashboard
        assert "征集已结束" in dashboard
    opened = open_round(client, as_role)
    assert 'type="file"' in client.get(f"/ui/rounds/{opened}/upload").text


def test_going_back_from_the_confirmation_keeps_the_chairs_choices(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=40, capacity=2)
    items = _seed_items(client, as_role, round_id)
    below = [i for i in items if i["eligible"] and not i["within_capacity"]]
    last = below[-1]  # beyond the rows the shortlist shows by default
    token = sign_in(client, api_keys["chair"])
    base = f"/ui/rounds/{round_id}/cohorts/seed/decisions"
    form = {
        "csrf_token": token,
        f"outcome:{last['nomination_id']}": "select",
        f"reason:{last['nomination_id']}": HOSTILE,
        f"outcome:{items[0]['nomination_id']}": "waitlist",
    }
    confirm = client.post(f"{base}/confirm", data=form)
    assert confirm.status_code == 200
    assert f'formaction="{base}/edit"' in confirm.text
    back = client.post(f"{base}/edit", data=form)
    assert back.status_code == 200
    assert re.search(
        rf'name="outcome:{last["nomination_id"]}".*?<option value="select" selected>',
        back.text,
        re.S,
    )
    assert f'value="{escape(HOSTILE)}"' in back.text
    assert re.search(
        rf'name="outcome:{items[0]["nomination_id"]}".*?<option value="waitlist" selected>',
        back.text,
        re.S,
    )
    assert back.text.count(" selected>") == 2
    assert client.post(f"{base}/edit", data={"csrf_token": "stale"}).status_code == 403
