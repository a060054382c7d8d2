"""Candidate-list intake: parse and validate a CSV, XLSX or JSON list of nominations.

Pure parsing, no database and no HTTP: the nominations endpoint calls ``parse_candidate_list``
(uploads) or ``rows_from_json`` (JSON bodies), stores ``ParsedList.rows`` and reports
``ParsedList.errors`` (``{row, field, message}``) as problem details.
"""

from __future__ import annotations

from service.intake.candidate_list import (
    XLSX_CONTENT_TYPE,
    header_names,
    parse_candidate_list,
    rows_from_json,
)
from service.intake.result import ParsedList

__all__ = [
    "XLSX_CONTENT_TYPE",
    "ParsedList",
    "header_names",
    "parse_candidate_list",
    "rows_from_json",
]
