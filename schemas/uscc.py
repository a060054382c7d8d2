"""The Unified Social Credit Code (统一社会信用代码, GB 32100-2015) that identifies a firm."""

from __future__ import annotations

import unicodedata
from operator import mul
from typing import Annotated, Any

from pydantic import BeforeValidator, Field
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError as StdnumValidationError

from schemas.scalars import reject

__all__ = [
    "USCC",
    "check_character",
    "normalize_uscc",
    "organisation_check_character",
    "uscc_region",
]

# The 31 characters GB 32100 allows after the first eight digits (no I, O, S, V, Z), in the
# order that gives each its value in the checksum.
_ALPHABET_ORDER = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ALPHABET = frozenset(_ALPHABET_ORDER)
_VALUE = {c: i for i, c in enumerate(_ALPHABET_ORDER)}
# GB 32100 weights 3**i mod 31 for positions 1–17.
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
# GB 11714 weights of the organisation code's eight body characters (USCC positions 9–16).
_ORGANISATION_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_BASE36 = {c: int(c, 36) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
# Invisible characters that survive NFKC and are pasted along with codes from web pages and Word.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
# Separators people type inside a code ("9111 0108 …", "91110108-…"), as stdnum's compact() drops.
_SEPARATORS = dict.fromkeys(map(ord, " -"))
_LENGTH = 18
_LONGEST_INPUT = 64


def normalize_uscc(value: str) -> str:
    """Return the canonical 18-character code, or raise ``ValueError`` saying what is wrong."""
    if len(value) == _LENGTH and value.isascii() and value.isalnum():
        # Already plain ASCII: NFKC and trimming cannot change it (the common, fast case).
        code = text = value.upper()
    else:
        if len(value) > _LONGEST_INPUT:
            raise ValueError(f"a USCC has 18 characters; got {len(value)}")
        # NFKC folds full-width letters, digits and the ideographic space into ASCII.
        text = unicodedata.normalize("NFKC", value).translate(_INVISIBLE).strip()
        code = text.translate(_SEPARATORS).upper()
    if len(code) != _LENGTH:
        raise ValueError(f"a USCC has 18 characters; got {len(code)} in {text!r}")
    if not code[:8].isascii() or not code[:8].isdigit():
        raise ValueError(
            f"the first 8 characters of a USCC are digits (authority, entity type, region); "
            f"got {code[:8]!r}"
        )
    if not _ALPHABET.issuperset(code[8:]):
        bad = sorted({c for c in code[8:] if c not in _ALPHABET})
        raise ValueError(
            f"characters 9–18 of a USCC are digits or letters other than I, O, S, V, Z; "
            f"got {', '.join(repr(c) for c in bad)}"
        )
    # Our own check, because stdnum's validate costs ~40 µs, too slow for 100,000-row lists.
    if code[17] == _check(code):
        return code
    try:
        # On failure stdnum is the authority, for both the verdict and the expected character.
        stdnum_uscc.validate(code)
    except StdnumValidationError:
        expected = stdnum_uscc.calc_check_digit(code[:17])
        raise ValueError(f"check character is {code[17]!r}, expected {expected!r}") from None
    return code


def _check(code: str) -> str:
    """The check character of ``code``'s first 17 characters (known to be in the alphabet)."""
    total = sum(map(mul, map(_VALUE.__getitem__, code[:17]), _WEIGHTS))
    return _ALPHABET_ORDER[-total % 31]


def check_character(body: str) -> str:
    """The GB 32100 check character (position 18) of a code's first 17 characters.

    check = (31 − Σ value(cᵢ)·3^(i−1) mod 31) mod 31 over positions i = 1…17, where a
    character's value is its index in ``0123456789ABCDEFGHJKLMNPQRTUWXY``.
    """
    if len(body) != _LENGTH - 1 or not _ALPHABET.issuperset(body):
        raise ValueError(f"a USCC body is 17 characters of the USCC alphabet; got {body!r}")
    return _check(body)


def organisation_check_character(body: str) -> str:
    """The GB 11714 check character (USCC position 17) of an organisation code's 8 characters.

    c = 11 − (Σ vᵢ·wᵢ mod 11) with w = (3, 7, 9, 10, 5, 8, 4, 2), v = 0–9 for digits and
    A = 10 … Z = 35 for letters; c = 10 is written ``X`` and c = 11 is written ``0``.
    """
    if len(body) != len(_ORGANISATION_WEIGHTS) or not body.isascii() or not body.isalnum():
        raise ValueError(f"an organisation-code body is 8 letters or digits; got {body!r}")
    total = sum(map(mul, map(_BASE36.__getitem__, body.upper()), _ORGANISATION_WEIGHTS))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def uscc_region(uscc: str) -> str:
    """Return the registering region code, positions 3–8 (``110108`` is Haidian)."""
    return normalize_uscc(uscc)[2:8]


def _validate_uscc(value: Any) -> str:
    """Apply ``normalize_uscc`` inside pydantic, reporting its message unprefixed."""
    if isinstance(value, int) and not isinstance(value, bool):
        # A spreadsheet that stored an all-digit code as a number.
        value = str(value)
    if not isinstance(value, str):
        raise reject("uscc_type", "expected the 18-character USCC as text")
    try:
        return normalize_uscc(value)
    except ValueError as exc:
        raise reject("uscc", str(exc)) from None


USCC = Annotated[
    str,
    Field(
        description="Unified Social Credit Code (GB 32100-2015), 18 characters, checksum-checked.",
        examples=["91110108MA0000000A"],
        min_length=_LENGTH,
        max_length=_LENGTH,
    ),
    BeforeValidator(_validate_uscc),
]
"""An 18-character USCC, normalised (NFKC, trimmed, upper-case) and checksum-validated."""
