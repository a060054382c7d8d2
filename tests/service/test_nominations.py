"""Candidate-list intake over HTTP: JSON, CSV (UTF-8, BOM, GB18030), XLSX; all-or-nothing,
partial mode, idempotency, limits, and what is stored."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from scoring.vocabulary import FILING_FIELDS
from service.models import Filing, Firm, Nomination, NominationBatch, SelectionRound
from tests.service.builders import candidate_row, rows_to_csv
from tests.service.builders import open_round as _open_round

Headers = Callable[[str], dict[str, str]]
ZH_HEADERS = {
    "uscc": "统一社会信用代码",
    "name": "企业名称",
    "name_en": "英文名称",
    "founded_on": "成立日期",
    "sector": "所属领域",
    "sub_segment": "细分领域",
    "listed": "是否上市",
    "cohort": "推荐梯队",
    "fiscal_year": "年度",
    **{f.name: f.label_zh for f in FILING_FIELDS},
}


def _count(app: FastAPI, model: Any) -> int:
    with app.state.write_sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _upload(
    client: TestClient,
    headers: dict[str, str],
    round_id: int,
    name: str,
    data: bytes,
    content_type: str,
    **params: str,
) -> Any:
    return client.post(
        f"/v1/rounds/{round_id}/nominations",
        files={"file": (name, data, content_type)},
        params=params,
        headers=headers,
    )


def test_json_list_is_stored_with_its_batch(
    client: TestClient, app: FastAPI, as_role: Headers
) -> None:
    round_id = _open_round(client, as_role)
    rows = [candidate_row(1), candidate_row(1, fiscal_year=2024), candidate_row(2, cohort="leader")]
    response = client.post(
        f"/v1/rounds/{round_id}/nominations", json={"rows": rows}, headers=as_role("officer")
    )
    assert response.status_code == 201, response.text
    report = response.json()
    assert report["rows_total"] == 3
    assert report["rows_stored"] == 3
    assert report["firms_created"] == 2
    assert report["nominations_created"] == 2
    assert _count(app, Filing) == 3
    listed = client.get(f"/v1/rounds/{round_id}/nominations", headers=as_role("reviewer")).json()
    assert sorted(n["cohort"] for n in listed["items"]) == ["leader", "seed"]
    batch = client.get(
        f"/v1/rounds/{round_id}/batches/{report['batch_id']}", headers=as_role("officer")
    ).json()
    assert batch["submitted_by"] == "test-officer"
    assert len(batch["content_sha256"]) == 64


def test_gb18030_csv_with_chinese_headers_round_trips_exactly(
    client: TestClient, as_role: Headers
) -> None:
    round_id = _open_round(client, as_role)
    names = [
        "北京瑆璟量子科技有限公司",
        "海淀𠀾微纳（示例）股份公司",
        "中关村·镕铭生物医药有限公司",
    ]
    rows = [
        candidate_row(10 + i, name=name, cohort="hidden-champion") for i, name in enumerate(names)
    ]
    text = rows_to_csv(rows, headers=ZH_HEADERS)
    data = text.encode("gb18030")
    response = _upload(client, as_role("officer"), round_id, "名单.csv", data, "text/csv")
    assert response.status_code == 201, response.text
    for row, name in zip(rows, names, strict=True):
        firm = client.get(f"/v1/firms/{row['uscc']}", headers=as_role("admin")).json()
        assert firm["name"] == name


@pytest.mark.parametrize(
    ("name", "encoding"),
    [("台灣積體電路製造股份有限公司", "big5"), ("台湾積体電路製造株式会社", "shift_jis")],
)
def test_big5_and_shift_jis_csv_are_refused_not_stored_garbled(
    client: TestClient, app: FastAPI, as_role: Headers, name: str, encoding: str
) -> None:
    round_id = _open_round(client, as_role)
    data = rows_to_csv([candidate_row(30, name=name, sub_segment=None)]).encode(encoding)
    data.decode("gb18030")  # the trap: GB18030 decodes these bytes without complaint
    response = _upload(client, as_role("officer"), round_id, "list.csv", data, "text/csv")
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    message = response.json()["errors"][0]["message"]
    assert "UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030" in message
    assert _count(app, Filing) == 0


def test_an_undecodable_byte_is_refused_naming_its_row_and_column(
    client: TestClient, app: FastAPI, as_role: Headers
) -> None:
    round_id = _open_round(client, as_role)
    rows = [candidate_row(31), candidate_row(32, name="北辰科技有限公司")]
    data = rows_to_csv(rows).encode().replace("北辰".encode(), b"\xff\xfe")
    response = _upload(client, as_role("officer"), round_id, "list.csv", data, "text/csv")
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert (error["row"], error["field"]) == (3, "name")  # the header is row 1
    assert _count(app, Filing) == 0


def test_utf8_bom_csv(client: TestClient, as_role: Headers) -> None:
    round_id = _open_round(client, as_role)
    data = "\ufeff".encode() + rows_to_csv([candidate_row(20)]).encode("utf-8")
    response = _upload(client, as_role("officer"), round_id, "list.csv", data, "text/csv")
    assert response.status_code == 201, response.text


def test_raw_csv_body_without_multipart(client: TestClient, as_role: Headers) -> None:
    round_id = _open_round(client, as_role)
    response = client.post(
        f"/v1/rounds/{round_id}/nominations",
        content=rows_to_csv([candidate_row(21)]).encode(),
        headers={**as_role("officer"), "Content-Type": "text/csv"},
    )
    assert response.status_code == 201, response.text


def test_xlsx_upload(client: TestClient, app: FastAPI, as_role: Headers) -> None:
    round_id = _open_round(client, as_role)
    rows = [candidate_row(30 + i, cohort="seed") for i in range(5)]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    columns = list(rows[0])
    sheet.append([ZH_HEADERS.get(c, c) for c in columns])
    for row in rows:
        sheet.append([row[c] for c in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = _upload(
        client,
        as_role("officer"),
        round_id,
        "list.xlsx",
        buffer.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    assert response.status_code == 201, response.text
    assert response.json()["format"] == "xlsx"
    assert _count(app, Nomination) == 5


def test_one_bad_row_among_a_thousand_stores_nothing(
    client: TestClient, app: FastAPI, as_role: Headers
) -> None:
    round_id = _open_round(client, as_role)
    rows = [candidate_row(1000 + i) for i in range(1000)]
    rows[736]["employees"] = -5  # data row 737 is CSV line 738 (header is row 1)
    data = rows_to_csv(rows).encode()
    response = _upload(client, as_role("officer"), round_id, "big.csv", data, "text/csv")
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["errors"] == [
        {"row": 738, "field": "employees", "message": body["errors"][0]["message"]}
    ]
    assert _count(app, Firm) == 0
    assert _count(app, Filing) == 0
    assert _count(app, NominationBatch) == 0

    partial = _upload(
        client, as_role("officer"), round_id, "big.csv", data, "text/csv", mode="partial"
    )
    assert partial.status_code == 201, partial.text
    assert partial.json()["rows_stored"] == 999
    assert partial.json()["rows_rejected"] == 1
    assert partial.json()["errors"][0]["row"] == 738
    assert _count(app, Firm) == 999


def test_duplicate_uscc_names_both_rows(client: TestClient, app: FastAPI, as_role: Headers) -> None:
    round_id = _open_round(client, as_role)
    rows = [candidate_row(40), candidate_row(41), candidate_row(40)]
    response = _upload(
        client, as_role("officer"), round_id, "dup.csv", rows_to_csv(rows).encode(), "text/csv"
    )
    assert response.status_code == 422
    messages = " ".join(e["message"] for e in response.json()["errors"])
    assert "2" in messages
    assert "4" in messages
    assert {e["row"] for e in response.json()["errors"]} & {2, 4}
    assert _count(app, Firm) == 0


def test_idempotent_replay_and_key_reuse(
    client: TestClient, app: FastAPI, as_role: Headers
) -> None:
    round_id = _open_round(client, as_role)
    headers = {**as_role("officer"), "Idempotency-Key": "list-2026-07-01"}
    body = {"rows": [candidate_row(50), candidate_row(51)]}
    first = client.post(f"/v1/rounds/{round_id}/nominations", json=body, headers=headers)
    second = client.post(f"/v1/rounds/{round_id}/nominations", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert _count(app, NominationBatch) == 1
    other = client.post(
        f"/v1/rounds/{round_id}/nominations",
        json={"rows": [candidate_row(52)]},
        headers=headers,
    )
    assert other.status_code == 422
    assert _count(app, NominationBatch) == 1
    assert _count(app, Firm) == 2


def test_firm_cannot_be_nominated_for_two_cohorts(client: TestClient, as_role: Headers) -> None:
    round_id = _open_round(client, as_role)
    ok = client.post(
        f"/v1/rounds/{round_id}/nominations",
        json={"rows": [candidate_row(60)]},
        headers=as_role("officer"),
    )
    assert ok.status_code == 201
    clash = client.post(
        f"/v1/rounds/{round_id}/nominations",
        json={"rows": [candidate_row(60, cohort="leader")]},
        headers=as_role("officer"),
    )
    assert clash.status_code == 422
    assert clash.json()["errors"][0]["field"] == "cohort"


def test_nominations_refused_outside_open(
    client: TestClient, app: FastAPI, as_role: Headers
) -> None:
    round_id = _open_round(client, as_role)
    with app.state.write_sessions.begin() as session:
        session.execute(
            update(SelectionRound).where(SelectionRound.id == round_id).values(state="scoring")
        )
    response = client.post(
        f"/v1/rounds/{round_id}/nominations",
        json={"rows": [candidate_row(70)]},
        headers=as_role("officer"),
    )
    assert response.status_code == 409
    assert "scoring" in response.json()["detail"]
    missing = client.post(
        "/v1/rounds/999999/nominations",
        json={"rows": [candidate_row(71)]},
        headers=as_role("officer"),
    )
    assert missing.status_code == 404


def test_unsupported_media_type(client: TestClient, as_role: Headers) -> None:
    round_id = _open_round(client, as_role)
    response = client.post(
        f"/v1/rounds/{round_id}/nominations",
        content=b"%PDF-1.4",
        headers={**as_role("officer"), "Content-Type": "application/pdf"},
    )
    assert response.status_code == 415


@pytest.mark.parametrize(
    ("payload", "content_type"),
    [(b"\x00\x01\x02garbage", "text/csv"), (b"PK\x03\x04not-a-zip", "application/octet-stream")],
)
def test_unreadable_files_are_422_not_500(
    client: TestClient, as_role: Headers, payload: bytes, content_type: str
) -> None:
    round_id = _open_round(client, as_role)
    name = "x.csv" if content_type == "text/csv" else "x.xlsx"
    response = _upload(client, as_role("officer"), round_id, name, payload, content_type)
    assert response.status_code in (415, 422), response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_body_and_row_limits(
    app: FastAPI, as_role: Headers, make_app: Callable[..., FastAPI]
) -> None:
    settings = app.state.settings.model_copy(update={"max_body_bytes": 4096, "max_rows": 3})
    small = make_app(settings)
    with TestClient(small) as client:
        round_id = _open_round(client, as_role)
        big = rows_to_csv([candidate_row(80 + i) for i in range(40)]).encode()
        response = _upload(client, as_role("officer"), round_id, "big.csv", big, "text/csv")
        assert response.status_code == 413
        assert "4096" in response.json()["detail"]
        four = rows_to_csv([candidate_row(90 + i) for i in range(4)]).encode()
        assert len(four) < 4096
        too_many = _upload(client, as_role("officer"), round_id, "four.csv", four, "text/csv")
        assert too_many.status_code in (413, 422), too_many.text
        assert "3" in too_many.text
