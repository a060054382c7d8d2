"""The committee pages of the second pass: the reviewer's assigned firms, the dashboard's rating
progress and objections, leave-one-out and the other aggregation on the firm page, the rating
scale's anchors, and an XLSX upload reported in its own header names."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from fastapi.testclient import TestClient
from markupsafe import escape
from openpyxl import Workbook

import seed_data.schemes
from tests.service.pages.test_pages import HOSTILE, sign_in
from tests.service.selection.builders import (
    Headers,
    assign,
    assign_cohort,
    candidate_csv,
    open_notice,
    open_round,
    scored_round,
    shortlist,
)


def _seed_items(client: TestClient, as_role: Headers, round_id: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = shortlist(client, as_role("chair"), round_id, "seed")["items"]
    return items


def _rated_criteria(client: TestClient, as_role: Headers) -> list[str]:
    scheme = client.get("/v1/schemes/seed", headers=as_role("admin")).json()["document"]
    return [c["id"] for c in scheme["criteria"] if c.get("method") == "rating"]


def _rows(html: str) -> dict[str, dict[str, str]]:
    """The assigned-firms table: nomination id → its rated / required counts."""
    return {
        n: {"rated": rated, "required": required}
        for n, rated, required in re.findall(
            r'data-nomination="(\d+)">.*?data-rated="(\d+)" data-required="(\d+)"', html, re.S
        )
    }


def test_the_reviewer_sees_their_assigned_firms_with_progress(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=4, capacity=2)
    assigned = assign_cohort(client, as_role, round_id, "seed")
    criteria = _rated_criteria(client, as_role)
    assert criteria
    sign_in(client, api_keys["reviewer"])
    page = client.get("/ui/assignments")
    assert page.status_code == 200
    rows = _rows(page.text)
    assert sorted(map(int, rows)) == sorted(a["nomination_id"] for a in assigned)
    assert all(r == {"rated": "0", "required": str(len(criteria))} for r in rows.values())
    assert f'data-done="0" data-assigned="{len(assigned)}"' in page.text
    first, second = assigned[0], assigned[1]
    assert f"/ui/rounds/{round_id}/cohorts/seed/firms/{first['uscc']}#rate" in page.text

    rated = client.post(
        f"/v1/rounds/{round_id}/nominations/{first['nomination_id']}/reviews",
        json={"ratings": [{"criterion": c, "score": 6} for c in criteria]},
        headers=as_role("reviewer"),
    )
    assert rated.status_code == 201, rated.text
    partly = client.post(
        f"/v1/rounds/{round_id}/nominations/{second['nomination_id']}/reviews",
        json={"ratings": [{"criterion": criteria[0], "score": 3}]},
        headers=as_role("reviewer"),
    )
    assert partly.status_code == 201, partly.text
    page = client.get("/ui/assignments")
    rows = _rows(page.text)
    assert rows[str(first["nomination_id"])]["rated"] == str(len(criteria))
    assert rows[str(second["nomination_id"])]["rated"] == "1"
    assert f'data-done="1" data-assigned="{len(assigned)}"' in page.text

    # The same figures through the API the dashboard reads.
    progress = client.get(f"/v1/rounds/{round_id}/progress", headers=as_role("chair")).json()
    seed = next(c for c in progress["cohorts"] if c["cohort"] == "seed")
    assert seed["assignments"] == len(assigned)
    assert seed["ratings_given"] == len(criteria) + 1
    assert seed["ratings_required"] == len(criteria) * len(assigned)
    (reviewer,) = seed["reviewers"]
    assert (reviewer["firms_done"], reviewer["firms_assigned"], reviewer["behind"]) == (
        1,
        len(assigned),
        True,
    )
    refused = client.get(f"/v1/rounds/{round_id}/progress", headers=as_role("reviewer"))
    assert refused.status_code == 403

    # A conflict hides the firm from the reviewer's list, numbers and all.
    conflict = client.post(
        f"/v1/rounds/{round_id}/nominations/{second['nomination_id']}/conflicts",
        json={"reason": "advised them"},
        headers=as_role("reviewer"),
    )
    assert conflict.status_code == 201, conflict.text
    page = client.get("/ui/assignments")
    assert second["uscc"] not in page.text
    assert str(second["nomination_id"]) not in _rows(page.text)


def test_only_a_reviewer_has_an_assigned_firms_page(
    client: TestClient, api_keys: dict[str, str]
) -> None:
    sign_in(client, api_keys["chair"])
    assert client.get("/ui/assignments").status_code == 403
    client.cookies.clear()
    sign_in(client, api_keys["reviewer"])
    empty = client.get("/ui/assignments")
    assert empty.status_code == 200
    assert "目前没有分配给你的企业" in empty.text


def test_a_reviewer_gets_no_rating_form_for_a_firm_not_assigned_to_them(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    # Nothing is assigned: the API withholds the details and refuses a rating, so the page
    # says why instead of empty tables and a form whose every submission is a 403.
    round_id = scored_round(client, as_role, per_cohort=4, capacity=2)
    item = _seed_items(client, as_role, round_id)[0]
    sign_in(client, api_keys["reviewer"])
    page = client.get(f"/ui/rounds/{round_id}/cohorts/seed/firms/{item['uscc']}")
    assert page.status_code == 200
    assert "未分配给你评审" in page.text
    assert 'name="score:' not in page.text
    assert 'class="gates"' not in page.text
    assert "/conflicts" in page.text  # a conflict may still be declared
    assign_cohort(client, as_role, round_id, "seed")
    page = client.get(f"/ui/rounds/{round_id}/cohorts/seed/firms/{item['uscc']}")
    assert "未分配给你评审" not in page.text
    assert 'name="score:' in page.text


def test_a_reviewer_compares_an_assigned_firm_with_one_not_assigned(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=4, capacity=2)
    mine, other = _seed_items(client, as_role, round_id)[:2]
    assign(client, as_role, round_id, mine["nomination_id"], as_role("reviewer"))
    sign_in(client, api_keys["reviewer"])
    base = f"/ui/rounds/{round_id}/cohorts/seed/compare"
    for order in ([other, mine], [mine, other]):
        page = client.get(base, params={"uscc": [f["uscc"] for f in order]})
        assert page.status_code == 200, page.text
        assert "未分配给你评审的企业不显示评分明细" in page.text
        assert 'class="divider"' in page.text  # the assigned firm's criteria, by category


def _noticed_round(client: TestClient, as_role: Headers) -> tuple[int, list[dict[str, Any]]]:
    """A seed round, assigned, decided (top two selected) and in its notice period."""
    round_id = scored_round(client, as_role, per_cohort=6, capacity=2)
    assign_cohort(client, as_role, round_id, "seed")
    items = _seed_items(client, as_role, round_id)
    inside = [i for i in items if i["within_capacity"]]
    decided = client.post(
        f"/v1/rounds/{round_id}/cohorts/seed/decisions",
        json={
            "decisions": [
                {"nomination_id": i["nomination_id"], "outcome": "select", "reason": "in committee"}
                for i in inside
            ]
        },
        headers=as_role("chair"),
    )
    assert decided.status_code == 201, decided.text
    assert open_notice(client, as_role, round_id).status_code == 200
    return round_id, inside


def test_the_dashboard_shows_progress_and_escaped_objections_to_the_panel_only(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id, inside = _noticed_round(client, as_role)
    filed = client.post(
        f"/v1/notices/{round_id}/objections",
        json={"uscc": inside[0]["uscc"], "grounds": HOSTILE, "contact": "tel 010-1234"},
    )
    assert filed.status_code == 201, filed.text
    progress = client.get(f"/v1/rounds/{round_id}/progress", headers=as_role("admin")).json()
    seed = next(c for c in progress["cohorts"] if c["cohort"] == "seed")

    sign_in(client, api_keys["chair"])
    page = client.get(f"/ui/rounds/{round_id}")
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in page.text
    assert f'data-objection="{filed.json()["id"]}"' in page.text
    assert "待处理" in page.text
    assert "公示期结束且异议处理完毕后公布" in page.text  # what comes next in a notice period
    assert "已公布，流程结束" not in page.text
    assert inside[0]["name"] in page.text
    assert (
        f'data-given="{seed["ratings_given"]}" data-required="{seed["ratings_required"]}"'
        in page.text
    )
    behind = [r["name"] for r in seed["reviewers"] if r["behind"]]
    assert behind
    assert all(name in page.text for name in behind)

    client.cookies.clear()
    sign_in(client, api_keys["officer"])
    officer = client.get(f"/ui/rounds/{round_id}")
    assert officer.status_code == 200
    assert "alert" not in officer.text  # the objections are the panel's (the API's rule)
    assert "data-given=" not in officer.text


def test_the_firm_page_shows_leave_one_out_and_the_other_aggregation_as_the_api(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=8, capacity=3)
    items = [i for i in _seed_items(client, as_role, round_id) if i["eligible"]]
    sign_in(client, api_keys["chair"])
    for item in items[:3]:
        page = client.get(f"/ui/rounds/{round_id}/cohorts/seed/firms/{item['uscc']}").text
        robustness = item["explanation"]["robustness"]
        shown = dict(re.findall(r'data-loo-criterion="([^"]+)" data-loo-rank="(\d+)"', page))
        expected = {c: str(e["rank"]) for c, e in robustness["leave_one_out"].items()}
        assert expected
        assert shown == expected
        other = robustness["compare"]
        assert f'data-compare-method="{other["method"]}"' in page
        assert f'data-compare-rank="{other["rank"]}"' in page


def test_the_rating_form_shows_the_schemes_anchors_or_a_generic_scale(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=4, capacity=2)
    assigned = assign_cohort(client, as_role, round_id, "seed")
    scheme = client.get("/v1/schemes/seed", headers=as_role("admin")).json()["document"]
    anchors = [a for c in scheme["criteria"] if c.get("rating") for a in c["rating"]["anchors"]]
    sign_in(client, api_keys["reviewer"])
    firm = f"/ui/rounds/{round_id}/cohorts/seed/firms/{assigned[0]['uscc']}"
    chinese = client.get(firm, params={"lang": "zh"}).text
    assert all(str(escape(a["zh"])) in chinese for a in anchors)
    english = client.get(firm, params={"lang": "en"}).text
    assert all(str(escape(a["en"])) in english for a in anchors)

    # A scheme whose criteria carry no anchors: the form reads the range in words.
    latest = [s for s in seed_data.schemes.load_every_bundled_version() if s.id == "seed"][-1]
    plain = latest.model_dump(mode="json", exclude_none=True)
    for criterion in plain["criteria"]:
        if criterion.get("rating"):
            criterion["rating"].pop("anchors", None)
    plain["version"] = scheme["version"] + 1
    stored = client.post("/v1/schemes", json=plain, headers=as_role("admin"))
    assert stored.status_code == 201, stored.text
    # The same page as before, kept in the page cache: the same run, ratings and decisions,
    # only the active scheme (the form's anchors) moved on, and the key names it.
    generic = client.get(firm, params={"lang": "zh"}).text
    assert "本方案未给出锚点" in generic
    assert "极为突出" in generic
    assert not any(str(escape(a["zh"])) in generic for a in anchors)


def test_an_xlsx_upload_reports_errors_in_its_own_chinese_headers(
    client: TestClient, api_keys: dict[str, str], as_role: Headers
) -> None:
    round_id = open_round(client, as_role, capacity=2)
    header, *rows = list(csv.reader(io.StringIO(candidate_csv(3).decode())))
    rows[0][header.index("founded_on")] = "not a date"
    header[header.index("founded_on")] = "成立日期"
    header[header.index("uscc")] = "统一社会信用代码"
    rows[1][header.index("统一社会信用代码")] = "91110108MA0000000X"  # a bad checksum
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (header, *rows):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    token = sign_in(client, api_keys["officer"])
    response = client.post(
        f"/ui/rounds/{round_id}/upload",
        data={"csrf_token": token},
        files={"file": ("名单.xlsx", buffer.getvalue(), "application/octet-stream")},
    )
    assert response.status_code == 201, response.text
    assert "<td>成立日期</td>" in response.text
    assert "<td>统一社会信用代码</td>" in response.text
    assert "<td>founded_on</td>" not in response.text
