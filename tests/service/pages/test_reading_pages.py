"""The committee pages of the third pass, read as people read them: KPI conditions, the public
notice, the growth model card, form errors in the page's language, the reviewer's own ratings,
the chair's choices carried back, stability in words and the closed upload."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.service.pages.test_pages import sign_in
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
