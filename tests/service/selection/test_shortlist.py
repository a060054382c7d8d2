"""The shortlist: order, filters, cursor pages, and exports safe against formula injection."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from service.selection.shortlists import words
from service.selection.shortlists.export import neutralise
from tests.service.selection.builders import (
    Headers,
    csv_table,
    run_scheme,
    scored_round,
    shortlist,
)

HOSTILE = "=HYPERLINK(\"http://evil.example\",\"点我\")"


def test_ranked_firms_come_first_in_rank_order(client: TestClient, as_role: Headers) -> None:
    round_id = scored_round(client, as_role, per_cohort=20)
    items = shortlist(client, as_role("officer"), round_id, "seed")["items"]
    ranks = [i["rank"] for i in items if i["rank"] is not None]
    assert ranks == list(range(1, len(ranks) + 1))
    assert all(i["rank"] is None for i in items[len(ranks):])
    assert all(not i["eligible"] for i in items[len(ranks):])
    assert sum(i["within_capacity"] for i in items) == 5


def test_filters_and_cursor_pages(client: TestClient, as_role: Headers) -> None:
    round_id = scored_round(client, as_role, per_cohort=20)
    everything = shortlist(client, as_role("chair"), round_id, "seed")["items"]
    eligible = shortlist(client, as_role("chair"), round_id, "seed", eligible_only=True)["items"]
    assert eligible
    assert all(i["eligible"] for i in eligible)
    assert len(eligible) == sum(i["eligible"] for i in everything)
    sector = everything[0]["sector"]
    in_sector = shortlist(client, as_role("chair"), round_id, "seed", sector=sector)["items"]
    assert {i["sector"] for i in in_sector} == {sector}
    seen: list[int] = []
    cursor = None
    for _ in range(50):
        page = shortlist(client, as_role("chair"), round_id, "seed", limit=6,
                         **({"cursor": cursor} if cursor else {}))
        seen.extend(i["nomination_id"] for i in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [i["nomination_id"] for i in everything]
    bad = client.get(f"/v1/rounds/{round_id}/cohorts/seed/shortlist", params={"cursor": "xx"},
                     headers=as_role("chair"))
    assert bad.status_code == 422


def test_no_run_yet_is_a_404(client: TestClient, as_role: Headers) -> None:
    round_id = scored_round(client, as_role, per_cohort=3, cohorts=())
    response = client.get(f"/v1/rounds/{round_id}/cohorts/seed/shortlist",
                          headers=as_role("reviewer"))
    assert response.status_code == 404


def test_csv_export_has_a_heading_titles_for_headers_and_neutralised_names(
    client: TestClient, as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=8, hostile_name=HOSTILE)
    # The chair sees every firm's details (a reviewer only those assigned to them).
    response = client.get(f"/v1/rounds/{round_id}/cohorts/seed/shortlist",
                          params={"format": "csv"}, headers=as_role("chair"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    heading, rows = csv_table(response.content)
    page = shortlist(client, as_role("chair"), round_id, "seed")
    run = page["run"]
    meta = {line[0]: line[1] for line in heading}
    assert meta["梯队"] == "种子企业100 (seed)"
    assert meta["方案"] == f"{run['scheme']['id']} v{run['scheme']['version']}"
    assert meta["评分批次"] == str(run["id"])
    assert "导出时间 (UTC)" in meta
    assert "SYNTHETIC" in meta  # the demo firms are synthetic
    header = list(rows[0])
    assert "硬科技领域（满分 6）" in header
    assert not any(h.startswith("points:") for h in header)
    names = [r["企业名称"] for r in rows]
    assert "'" + HOSTILE in names
    assert not any(n.startswith(("=", "+", "-", "@")) for n in names)
    assert any("公司" in n for n in names)  # Chinese intact
    first = page["items"][0]
    row = next(r for r in rows if r["统一社会信用代码"] == first["uscc"])
    assert float(row["总分（精确）"]) == first["total"]
    assert row["总分"] == f"{round(first['total'], 2):g}"
    failed = next(i for i in page["items"] if not i["eligible"])
    failed_row = next(r for r in rows if r["统一社会信用代码"] == failed["uscc"])
    assert failed_row["通过门槛"] == "否"
    scheme = run_scheme(client, as_role("chair"), run)
    said = words.gates_in_words(scheme, failed["explanation"]["gates"])
    failed_lines = [g.line[0] for g in said.values() if not g.passed]
    assert failed_lines
    assert failed_row["未通过门槛的原因"] == "; ".join(failed_lines)
    assert failed_row["各项门槛"] == "; ".join(g.line[0] for g in said.values())
    assert "未通过" in failed_row["未通过门槛的原因"]
    assert not any(g["reason"] in failed_row["未通过门槛的原因"]
                   for g in failed["explanation"]["gates"] if g["reason"])


def test_csv_export_in_english(client: TestClient, as_role: Headers) -> None:
    round_id = scored_round(client, as_role, per_cohort=6)
    response = client.get(f"/v1/rounds/{round_id}/cohorts/seed/shortlist",
                          params={"format": "csv", "lang": "en"}, headers=as_role("chair"))
    heading, rows = csv_table(response.content)
    assert heading[1] == ["Cohort", "Seed 100 (seed)"]
    assert "Hard-tech sector (of 6)" in rows[0]
    assert {r["Eligible"] for r in rows} <= {"yes", "no"}
    page = shortlist(client, as_role("chair"), round_id, "seed")
    scheme = run_scheme(client, as_role("chair"), page["run"])
    for item in page["items"]:
        row = next(r for r in rows if r["USCC"] == item["uscc"])
        said = words.gates_in_words(scheme, item["explanation"]["gates"]).values()
        assert row["Every gate"] == "; ".join(g.line[1] for g in said)
        assert row["Why gates failed"] == "; ".join(g.line[1] for g in said if not g.passed)
    assert any("failed" in r["Why gates failed"] for r in rows)
    assert any("Start-up stage: Age " in r["Every gate"] for r in rows)


def test_xlsx_export_is_formatted_and_neutralises_the_hostile_name(
    client: TestClient, as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=8, hostile_name=HOSTILE)
    response = client.get(f"/v1/rounds/{round_id}/cohorts/seed/shortlist",
                          params={"format": "xlsx"}, headers=as_role("admin"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["短名单", "指标明细", "评分方案"]
    sheet = book["短名单"]
    rows = list(sheet.iter_rows(values_only=True))
    top = next(i for i, r in enumerate(rows) if r[0] == "名次")
    assert rows[top - 2][0] == "SYNTHETIC"
    assert sheet.cell(row=top + 1, column=1).font.bold
    assert sheet.freeze_panes == f"D{top + 2}"
    assert sheet.auto_filter.ref is not None
    assert sheet.auto_filter.ref.startswith(f"A{top + 1}:")
    name_col = list(rows[top]).index("企业名称")
    names = [r[name_col] for r in rows[top + 1:]]
    assert "'" + HOSTILE in names
    assert len(names) == 8
    total_col = list(rows[top]).index("总分") + 1
    assert sheet.cell(row=top + 2, column=total_col).number_format == "0.00"
    assert book["评分方案"].max_row > 10
    detail = list(book["指标明细"].iter_rows(values_only=True))
    notes = [str(r[-1] or "") for r in detail[next(i for i, r in enumerate(detail)
                                                    if r[0] == "统一社会信用代码") + 1:]]
    assert any(n.startswith("缺少数值") for n in notes)
    assert not any("(policy" in n for n in notes)
    policies = [r[6] for r in book["评分方案"].iter_rows(values_only=True)]
    assert "记 0 分" in policies
    gates_col = list(rows[top]).index("各项门槛")
    assert all("初创期：成立年限" in str(r[gates_col]) for r in rows[top + 1:])


def test_neutralise_covers_every_formula_start() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralise(start + "1+1") == "'" + start + "1+1"
    assert neutralise("海淀") == "海淀"
    assert neutralise(-3.5) == -3.5
