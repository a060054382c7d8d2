"""Regenerate the synthetic example candidate lists in every accepted format, deterministically.

Run from the project root: ``python -m seed_data.examples.make_examples``. Every firm is
invented; names end in （示例） ("example") and the codes are merely checksum-valid.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from stdnum.cn import uscc as stdnum_uscc

from schemas.intake import COLUMNS

__all__ = ["FIRMS", "example_rows", "main", "write_examples"]

HAIDIAN = "110108"
FISCAL_YEARS = (2021, 2022, 2023)
_SEED = 20240501
_FIXED_TIME = (2024, 5, 1, 0, 0, 0)

# (name, name_en, founded_on, sector, sub_segment, listed, cohort, years of figures)
FIRMS: tuple[tuple[str, str, date, str, str, bool, str, int], ...] = (
    ("北辰智算科技股份有限公司（示例）", "Beichen AI Computing (example)", date(2009, 6, 18),
     "ai", "大模型推理平台", True, "leader", 3),
    ("海芯微电子有限公司（示例）", "Haixin Microelectronics (example)", date(2011, 3, 2),
     "ic-design", "车规级MCU", False, "leader", 3),
    ("清岚医疗器械有限公司（示例）", "Qinglan Medical Devices (example)", date(2014, 9, 9),
     "medical-devices", "手术机器人末端器械", False, "hidden-champion", 3),
    ("燕园新材料科技有限公司（示例）", "Yanyuan New Materials (example)", date(2015, 11, 20),
     "new-materials", "高纯石英坩埚", False, "hidden-champion", 3),
    ("中关村伺服机器人有限公司（示例）", "ZGC Servo Robotics (example)", date(2016, 4, 1),
     "service-robots", "商用清洁机器人", False, "hidden-champion", 2),
    ("量衡科技有限公司（示例）", "Liangheng Quantum (example)", date(2021, 8, 15),
     "quantum", "量子随机数芯片", False, "seed", 2),
    ("脑启未来科技有限公司（示例）", "Naoqi Future (example)", date(2022, 1, 10),
     "brain-science", "脑机接口电极", False, "seed", 1),
    ("数盾信息安全有限公司（示例）", "Shudun Security (example)", date(2020, 5, 28),
     "network-security", "工控安全网关", False, "seed", 3),
    ("绿源储能科技有限公司（示例）", "Lvyuan Energy Storage (example)", date(2021, 12, 3),
     "energy-environment", "钠离子储能系统", False, "seed", 0),
    ("知链金融科技有限公司（示例）", "Zhilian Fintech (example)", date(2019, 7, 7),
     "fintech", "供应链金融风控", False, "seed", 1),
)  # fmt: skip


def example_uscc(index: int) -> str:
    """Return a checksum-valid, invented Haidian USCC for the ``index``-th example firm."""
    body = f"91{HAIDIAN}MA0{index:06d}"
    return body + stdnum_uscc.calc_check_digit(body)


def _figures(rnd: random.Random, cohort: str, year_index: int) -> dict[str, float | int]:
    """Invent one year of figures that respect every invariant of ``FilingFigures``."""
    scale = {"leader": 2e9, "hidden-champion": 3e8, "seed": 2e7}[cohort]
    revenue = round(scale * rnd.uniform(0.6, 1.4) * (1.18**year_index))
    employees = max(8, int(revenue / rnd.uniform(6e5, 1.2e6)))
    technical = int(employees * rnd.uniform(0.3, 0.7))
    ip_class1 = int(rnd.uniform(2, 40) * (revenue / scale) ** 0.5) + (1 if cohort != "seed" else 0)
    return {
        "revenue": revenue,
        "main_business_revenue": round(revenue * rnd.uniform(0.75, 0.98)),
        "net_profit": round(revenue * rnd.uniform(-0.25 if cohort == "seed" else -0.02, 0.18)),
        "total_costs": round(revenue * rnd.uniform(0.7, 1.2)),
        "total_assets": round(revenue * rnd.uniform(1.0, 2.5)),
        "total_liabilities": round(revenue * rnd.uniform(0.3, 1.2)),
        "rd_expense": round(revenue * rnd.uniform(0.04, 0.25)),
        "employees": employees,
        "technical_staff": technical,
        "rd_staff": int(technical * rnd.uniform(0.5, 0.9)),
        "export_revenue": round(revenue * rnd.uniform(0.0, 0.3)),
        "ip_class1": ip_class1,
        "ip_class1_self_developed": int(ip_class1 * rnd.uniform(0.6, 1.0)),
        "ip_class1_high_value": int(ip_class1 * rnd.uniform(0.1, 0.5)),
        "ip_class2": rnd.randint(2, 60),
        "pct_applications": rnd.randint(0, 12),
        "standards_international": rnd.randint(0, 2) if cohort == "leader" else 0,
        "standards_national": rnd.randint(0, 5) if cohort != "seed" else 0,
        "standards_industry": rnd.randint(0, 6),
        "tech_transfers": rnd.randint(0, 9),
        "segment_market_share": round(rnd.uniform(0.02, 0.45), 3),
        "segment_rank": rnd.randint(1, 12),
        "alliances_led": rnd.randint(1, 3) if cohort == "leader" else 0,
        "innovation_centres_led": rnd.randint(0, 2) if cohort == "leader" else 0,
    }


def example_rows() -> list[dict[str, object]]:
    """Return the example list as rows keyed by column name (absent key = empty cell)."""
    rnd = random.Random(_SEED)
    rows: list[dict[str, object]] = []
    for index, (name, name_en, founded, sector, niche, listed, cohort, years) in enumerate(FIRMS):
        profile: dict[str, object] = {
            "uscc": example_uscc(index + 1), "name": name, "name_en": name_en,
            "founded_on": founded, "sector": sector, "sub_segment": niche, "listed": listed,
            "cohort": cohort,
        }  # fmt: skip
        if years == 0:
            rows.append(profile)
            continue
        for year_index, year in enumerate(FISCAL_YEARS[-years:]):
            row = {**profile, "fiscal_year": year, **_figures(rnd, cohort, year_index)}
            if cohort == "seed" and year_index == years - 1:
                amount = round(rnd.uniform(5e6, 5e7), -5)
                row |= {
                    "round_date": date(year, rnd.randint(3, 11), rnd.randint(1, 28)),
                    "round_stage": rnd.choice(("angel", "seed", "series-a")),
                    "round_amount": amount,
                    "round_valuation": round(amount * rnd.uniform(4, 10), -5),
                }
            rows.append(row)
    return rows


def _cell_text(value: object, *, chinese: bool) -> str:
    """Render a value as a CSV cell."""
    if isinstance(value, bool):
        return ("是" if value else "否") if chinese else ("true" if value else "false")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _csv_text(rows: list[dict[str, object]], *, chinese: bool) -> str:
    """Render the rows as CSV text with English or Chinese headers."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.aliases[0] if chinese else c.name for c in COLUMNS])
    for row in rows:
        writer.writerow(
            ["" if c.name not in row else _cell_text(row[c.name], chinese=chinese) for c in COLUMNS]
        )
    return buffer.getvalue()


def _xlsx_bytes(rows: list[dict[str, object]]) -> bytes:
    """Render the rows as a workbook with Chinese headers and typed cells, byte-for-byte stable."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "候选名单"
    sheet.append([c.aliases[0] for c in COLUMNS])
    for row in rows:
        sheet.append([row.get(c.name) for c in COLUMNS])
    workbook.properties.creator = "make_examples.py (synthetic data)"
    workbook.properties.created = workbook.properties.modified = datetime(*_FIXED_TIME)
    saved = io.BytesIO()
    workbook.save(saved)
    # openpyxl stamps the zip members and the "modified" property with the current time;
    # restamp both so that regenerating gives the same bytes.
    modified = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
    stamp = datetime(*_FIXED_TIME).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    stable = io.BytesIO()
    with (
        zipfile.ZipFile(saved) as source,
        zipfile.ZipFile(stable, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(member.filename)
            if member.filename == "docProps/core.xml":
                content = modified.sub(rb"\g<1>" + stamp + rb"\g<2>", content)
            target.writestr(info, content)
    return stable.getvalue()


def _json_text(rows: list[dict[str, object]]) -> str:
    """Render the rows as a JSON candidate list body."""
    body = {"rows": [{k: _cell_text(v, chinese=False) if isinstance(v, date) else v
                      for k, v in row.items()} for row in rows]}  # fmt: skip
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


def write_examples(folder: Path) -> list[Path]:
    """Write the four example files into ``folder`` and return their paths."""
    rows = example_rows()
    outputs = {
        "candidates.csv": _csv_text(rows, chinese=False).encode("utf-8"),
        "candidates-zh-gb18030.csv": _csv_text(rows, chinese=True).encode("gb18030"),
        "candidates.xlsx": _xlsx_bytes(rows),
        "candidates.json": _json_text(rows).encode("utf-8"),
    }
    paths = []
    for name, data in outputs.items():
        path = folder / name
        path.write_bytes(data)
        paths.append(path)
    return paths


def main() -> None:
    """Regenerate the examples next to this script."""
    for path in write_examples(Path(__file__).resolve().parent):
        print(path)


if __name__ == "__main__":
    main()
