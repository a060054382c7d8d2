"""The shipped example lists parse cleanly in every format and regenerate byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seed_data.examples.make_examples import write_examples
from service.intake import parse_candidate_list, rows_from_json

EXAMPLES = Path(__file__).resolve().parents[3] / "seed_data" / "examples"


@pytest.mark.parametrize(
    "filename", ["candidates.csv", "candidates-zh-gb18030.csv", "candidates.xlsx"]
)
def test_example_files_parse_without_errors(filename: str) -> None:
    parsed = parse_candidate_list(
        (EXAMPLES / filename).read_bytes(),
        filename=filename,
        content_type=None,
        max_rows=1000,
        max_xlsx_uncompressed=20 * 1024 * 1024,
    )
    assert parsed.errors == []
    assert len(parsed.rows) == 22
    assert {row.cohort for _, row in parsed.rows} == {"leader", "hidden-champion", "seed"}
    assert all(row.name.endswith("（示例）") for _, row in parsed.rows)
    assert all(row.uscc[2:8] == "110108" for _, row in parsed.rows)


def test_every_format_carries_the_same_rows() -> None:
    from_json = rows_from_json(json.loads((EXAMPLES / "candidates.json").read_text("utf-8")))
    from_csv = parse_candidate_list(
        (EXAMPLES / "candidates-zh-gb18030.csv").read_bytes(),
        filename=None,
        content_type="text/csv",
        max_rows=1000,
        max_xlsx_uncompressed=1,
    )
    assert from_json.errors == []
    assert [row for _, row in from_json.rows] == [row for _, row in from_csv.rows]


def test_the_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    for path in write_examples(tmp_path):
        assert path.read_bytes() == (EXAMPLES / path.name).read_bytes(), path.name
