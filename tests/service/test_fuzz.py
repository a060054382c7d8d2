"""Seeded random bad values in every field never produce a 500 (a client's mistake is a 4xx)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.service.builders import candidate_row, filing, firm_profile, make_uscc

Headers = Callable[[str], dict[str, str]]
WEIRD: list[Any] = [
    None,
    "",
    " ",
    "\x00",
    "NaN",
    "inf",
    1e308,
    -1e308,
    2**64,
    -(2**64),
    1.5,
    -1,
    0,
    True,
    [],
    {},
    "２０１８年２月３０日",
    "2018-02-30",
    "9" * 400,
    "😀",
    "1,234",
    "35%",
    "是",
    "other",
]


def _body(document: dict[str, Any]) -> bytes:
    return json.dumps(document, allow_nan=True).encode()


def test_random_bad_values_are_never_a_server_error(client: TestClient, as_role: Headers) -> None:
    rng = random.Random(2026)
    headers = {**as_role("officer"), "Content-Type": "application/json"}
    round_id = client.post(
        "/v1/rounds",
        json={"name": "fuzz", "year": 2026, "reference_date": "2026-06-30"},
        headers=as_role("admin"),
    ).json()["id"]
    columns = [*candidate_row(1), "round_date", "round_stage", "round_amount", "bogus"]
    statuses: set[int] = set()
    for i in range(120):  # bounded
        row = candidate_row(i + 1)
        for _ in range(rng.randint(1, 3)):
            row[rng.choice(columns)] = rng.choice(WEIRD)
        sent = client.post(
            f"/v1/rounds/{round_id}/nominations", content=_body({"rows": [row]}), headers=headers
        )
        profile = firm_profile()
        profile[rng.choice([*profile, "extra"])] = rng.choice(WEIRD)
        put = client.put(f"/v1/firms/{make_uscc(i + 1)}", content=_body(profile), headers=headers)
        figures = filing()
        figures[rng.choice(list(figures))] = rng.choice(WEIRD)
        year = client.put(
            f"/v1/firms/{make_uscc(i + 1)}/filings/2024", content=_body(figures), headers=headers
        )
        for response in (sent, put, year):
            assert response.status_code < 500, response.text
            statuses.add(response.status_code)
    assert 422 in statuses  # the fuzzing did reach validation
    assert statuses & {200, 201}  # and some requests were valid
