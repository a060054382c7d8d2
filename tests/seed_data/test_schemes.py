"""The bundled schemes ship as ``seed_data`` package data and load through ``scoring``."""

from __future__ import annotations

import pytest

from scoring import SchemeError
from seed_data.schemes import list_bundled_schemes, load_bundled_scheme


def test_bundled_schemes_all_load_and_are_found_by_id() -> None:
    names = {p.stem for p in list_bundled_schemes()}
    assert {"tsme-2017", "hnte-2016-growth", "innovative-sme-2022",
            "leader", "hidden-champion", "seed"} <= names
    for name in names:
        assert load_bundled_scheme(name).id == name
    with pytest.raises(SchemeError, match="no bundled scheme"):
        load_bundled_scheme("nope")
