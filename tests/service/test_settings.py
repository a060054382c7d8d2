"""The defaults agree: the documented row limit is reachable under the body limit."""

from __future__ import annotations

import json

import pandas as pd

from seed_data.demo import scale_rows
from service.settings import Settings

_SAMPLE = 2_000


def _json_rows(frame: pd.DataFrame) -> list[dict[str, object]]:
    return [
        {str(key): value for key, value in row.items() if not pd.isna(value)}
        for row in frame.to_dict("records")
    ]


def test_a_list_of_max_rows_fits_the_default_body_limit_as_csv_and_as_json() -> None:
    settings = Settings()
    frame = scale_rows(_SAMPLE)
    scale = settings.max_rows / _SAMPLE
    csv_bytes = len(frame.to_csv(index=False).encode("utf-8")) * scale
    # ensure_ascii: the larger spelling of the same JSON (Chinese names as \u escapes).
    json_bytes = len(json.dumps({"rows": _json_rows(frame)}).encode()) * scale
    assert csv_bytes < json_bytes
    # A tenth of headroom for lists with longer names than the generator's.
    assert json_bytes * 1.1 < settings.max_body_bytes, (json_bytes, settings.max_body_bytes)
