"""USCC normalisation and validation, checked against python-stdnum."""

from __future__ import annotations

import random

import pytest
from pydantic import TypeAdapter, ValidationError
from stdnum.cn import uscc as stdnum_uscc

from schemas.uscc import (
    USCC,
    check_character,
    normalize_uscc,
    organisation_check_character,
    uscc_region,
)

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def valid_uscc(organisation: str = "MA01234X5", region: str = "110108") -> str:
    """Return a checksum-valid code with the given region and 9-character organisation code."""
    body = f"91{region}{organisation}"
    return body + stdnum_uscc.calc_check_digit(body)


def wrong_check(code: str) -> tuple[str, str]:
    """Return ``code`` with a wrong check character, and that character."""
    wrong = next(c for c in "0123456789" if c != code[-1])
    return code[:-1] + wrong, wrong


def to_full_width(text: str) -> str:
    """Return ``text`` in full-width forms, as Chinese input methods type it."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_valid_code_is_returned_unchanged() -> None:
    code = valid_uscc()
    assert stdnum_uscc.is_valid(code)
    assert normalize_uscc(code) == code


def test_lower_case_and_surrounding_space_are_normalised() -> None:
    code = valid_uscc()
    assert normalize_uscc(f"  {code.lower()}\t") == code


def test_full_width_input_with_ideographic_space_and_zero_width_chars() -> None:
    code = valid_uscc()
    messy = "\u3000" + to_full_width(code[:9]) + "\u200b" + to_full_width(code[9:]) + "\ufeff\u3000"
    assert messy != code
    assert normalize_uscc(messy) == code


def test_wrong_check_character_names_the_expected_one() -> None:
    code = valid_uscc()
    bad, wrong = wrong_check(code)
    with pytest.raises(ValueError, match="check character") as caught:
        normalize_uscc(bad)
    assert str(caught.value) == f"check character is {wrong!r}, expected {code[-1]!r}"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("9111010812345", "18 characters; got 13"),
        ("91110108MA01234X5" + "77", "18 characters; got 19"),
        ("9111A108MA01234X51", "first 8 characters"),
        ("91110108MA0I234X51", "'I'"),
        ("91110108MA0O234Z51", "'O', 'Z'"),
        ("x" * 1000, "got 1000"),
        ("", "got 0"),
    ],
)
def test_malformed_codes_are_explained(value: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=r"USCC|check") as caught:
        normalize_uscc(value)
    assert fragment in str(caught.value)


def test_region_is_positions_three_to_eight() -> None:
    assert uscc_region(valid_uscc(region="110108")) == "110108"
    assert uscc_region(to_full_width(valid_uscc(region="310115"))) == "310115"


def test_verdicts_agree_with_stdnum_on_random_codes() -> None:
    rnd = random.Random(7)
    for _ in range(3000):
        body = "".join(rnd.choice("0123456789") for _ in range(8))
        body += "".join(rnd.choice(_ALPHABET) for _ in range(9))
        for check in (stdnum_uscc.calc_check_digit(body), rnd.choice(_ALPHABET)):
            code = body + check
            try:
                normalize_uscc(code)
                ours = True
            except ValueError:
                ours = False
            assert ours == stdnum_uscc.is_valid(code), code


def test_annotated_type_reports_the_reason_without_prefix() -> None:
    adapter = TypeAdapter(USCC)
    code = valid_uscc()
    assert adapter.validate_python(to_full_width(code)) == code
    bad, _ = wrong_check(code)
    with pytest.raises(ValidationError) as caught:
        adapter.validate_python(bad)
    assert caught.value.errors()[0]["msg"].startswith("check character is")


def test_annotated_type_refuses_non_text() -> None:
    with pytest.raises(ValidationError, match="as text"):
        TypeAdapter(USCC).validate_python(1.5)


def test_check_character_agrees_with_stdnum() -> None:
    rng = random.Random(32100)
    for _ in range(500):
        body = "91110108" + "".join(rng.choice(_ALPHABET) for _ in range(9))
        assert check_character(body) == stdnum_uscc.calc_check_digit(body)


@pytest.mark.parametrize("body", ["9111010860003734", "91110108I00037341", "9111010860003734１"])
def test_check_character_refuses_a_malformed_body(body: str) -> None:
    with pytest.raises(ValueError, match="17 characters"):
        check_character(body)


def test_organisation_check_character_matches_published_codes() -> None:
    # 91350100M000100Y43 (a published example) and stdnum's 91110000600037341L.
    assert organisation_check_character("M000100Y") == "4"
    assert organisation_check_character("60003734") == "1"


def test_organisation_check_character_writes_ten_as_x_and_eleven_as_zero() -> None:
    checks = {organisation_check_character(f"Y{n:07d}") for n in range(200)}
    assert {"X", "0"} <= checks
    assert checks <= set("0123456789X")
    with pytest.raises(ValueError, match="8 letters or digits"):
        organisation_check_character("Y123")
