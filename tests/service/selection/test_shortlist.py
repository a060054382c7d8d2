"""The shortlist: order, filters, cursor pages, and exports safe against formula injection."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from service.selection.shortlists.export import neutralise
from tests.service.selection.builders import Headers, scored_round, shortlist

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


def test_csv_export_has_a_bom_a_column_per_criterion_and_neutralised_names(
    client: TestClient, as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=8, hostile_name=HOSTILE)
    response = client.get(f"/v1/rounds/{round_id}/cohorts/seed/shortlist",
                          params={"format": "csv"}, headers=as_role("reviewer"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    run = shortlist(client, as_role("reviewer"), round_id, "seed")["run"]
    header = list(rows[0])
    assert [h for h in header if h.startswith("points:")] == [
        f"points:{c}" for c in run["criteria"]]
    names = [r["name"] for r in rows]
    assert "'" + HOSTILE in names
    assert not any(n.startswith(("=", "+", "-", "@")) for n in names)
    assert any("公司" in n for n in names)  # Chinese intact


def test_xlsx_export_neutralises_the_hostile_name(client: TestClient, as_role: Headers) -> None:
    round_id = scored_round(client, as_role, per_cohort=8, hostile_name=HOSTILE)
    response = client.get(f"/v1/rounds/{round_id}/cohorts/seed/shortlist",
                          params={"format": "xlsx"}, headers=as_role("admin"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    name_col = list(rows[0]).index("name")
    names = [r[name_col] for r in rows[1:]]
    assert "'" + HOSTILE in names
    assert len(rows) == 9


def test_neutralise_covers_every_formula_start() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralise(start + "1+1") == "'" + start + "1+1"
    assert neutralise("海淀") == "海淀"
    assert neutralise(-3.5) == -3.5
