"""Plain typed builders for service tests: valid USCCs, firm profiles, candidate rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from stdnum.cn import uscc as stdnum_uscc

from scoring.vocabulary import FILING_FIELDS

FIGURES = [f.name for f in FILING_FIELDS]


def make_uscc(serial: int, region: str = "110108") -> str:
    """A valid USCC in ``region`` for a serial number (check character computed by stdnum)."""
    body = f"91{region}MA{serial:07d}"
    assert len(body) == 17
    code = body + stdnum_uscc.calc_check_digit(body)
    stdnum_uscc.validate(code)
    return code


def firm_profile(**overrides: Any) -> dict[str, Any]:
    """A valid firm profile for PUT /v1/firms/{uscc}."""
    profile: dict[str, Any] = {
        "name": "中关村示例科技有限公司",
        "name_en": "Synthetic Example Technology Co., Ltd.",
        "founded_on": "2021-03-15",
        "sector": "ai",
        "sub_segment": "视觉芯片",
        "listed": False,
    }
    profile.update(overrides)
    return profile


def filing(**overrides: Any) -> dict[str, Any]:
    """Valid yearly figures."""
    figures: dict[str, Any] = {
        "revenue": 12_000_000.0,
        "main_business_revenue": 11_000_000.0,
        "net_profit": -500_000.0,
        "total_costs": 12_500_000.0,
        "total_assets": 30_000_000.0,
        "total_liabilities": 9_000_000.0,
        "rd_expense": 2_400_000.0,
        "employees": 40,
        "technical_staff": 22,
        "rd_staff": 15,
        "ip_class1": 2,
        "ip_class2": 5,
    }
    figures.update(overrides)
    return figures


def candidate_row(
    serial: int, *, cohort: str = "seed", fiscal_year: int | None = 2025, **overrides: Any
) -> dict[str, Any]:
    """One row of the candidate-list contract."""
    row: dict[str, Any] = {
        "uscc": make_uscc(serial),
        "name": f"示例{serial}号科技有限公司",
        "name_en": f"Synthetic Firm {serial}",
        "founded_on": "2021-03-15",
        "sector": "ai",
        "sub_segment": "视觉芯片",
        "listed": False,
        "cohort": cohort,
        "fiscal_year": fiscal_year,
        **filing(),
    }
    row.update(overrides)
    return row


def rows_to_csv(rows: list[dict[str, Any]], *, headers: dict[str, str] | None = None) -> str:
    """CSV text of rows; ``headers`` renames columns (e.g. to Chinese aliases)."""
    columns = list(rows[0])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([(headers or {}).get(c, c) for c in columns])
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return out.getvalue()


def open_round(client: TestClient, as_role: Callable[[str], dict[str, str]]) -> int:
    """Open a 2026 round as the admin and return its id."""
    response = client.post(
        "/v1/rounds",
        json={"name": "2026 round", "year": 2026, "reference_date": "2026-06-30"},
        headers=as_role("admin"),
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])
