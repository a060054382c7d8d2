"""Turning the bytes of an uploaded CSV into text: UTF-8 (with or without BOM) or GB18030."""

from __future__ import annotations

import codecs
import unicodedata

from service.intake.delimited import position_of
from service.intake.result import ListRefusedError

__all__ = ["ACCEPTED_ENCODINGS", "decode_text"]

ACCEPTED_ENCODINGS = "UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030"
"""The encodings a CSV may be in, as the refusal names them."""

# GB18030 maps almost every byte sequence to some character, so Big5 and Shift-JIS decode
# "cleanly" into nonsense; what betrays them is private-use or unassigned code points, or text
# in which common simplified characters (GB2312) are the exception rather than the rule.
_IMPLAUSIBLE_CATEGORIES = frozenset({"Co", "Cn", "Cs"})
_MAX_SHARE_OUTSIDE_GB2312 = 0.25


def _line_of(data: bytes | str, offset: int) -> int:
    """Return the 1-based line on which ``offset`` falls."""
    newline = b"\n" if isinstance(data, bytes) else "\n"
    return data.count(newline, 0, offset) + 1  # type: ignore[arg-type]


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _implausible_gb18030(text: str) -> str | None:
    """Why ``text``, decoded as GB18030, is likely another encoding (None when it is plausible).

    Plausible means: no private-use, unassigned or surrogate code points, and at most a quarter
    of the non-ASCII characters outside GB2312 (rare name characters stay welcome).
    """
    wide = [char for char in text if not char.isascii()]
    for char in wide:
        if unicodedata.category(char) in _IMPLAUSIBLE_CATEGORIES:
            return f"it would contain the private-use or unassigned character U+{ord(char):04X}"
    outside = sum(1 for char in wide if not _in_gb2312(char))
    if wide and outside / len(wide) > _MAX_SHARE_OUTSIDE_GB2312:
        return (
            f"{outside} of its {len(wide)} non-ASCII characters would be rare ones outside "
            "GB2312, as when Big5 or Shift-JIS is read as GB18030"
        )
    return None


def decode_text(data: bytes) -> tuple[str, str]:
    """Return the text and the encoding used; refuse NUL characters and undecodable bytes.

    Order: a UTF-8 BOM means ``utf-8-sig``; a UTF-16 BOM (Excel's "Unicode text") means
    ``utf-16``; otherwise strict UTF-8, and failing that GB18030, which Excel on Chinese
    Windows writes (GB18030 is a superset of GBK and GB2312) — but only when the result is
    plausible Chinese text, since GB18030 decodes Big5 and Shift-JIS bytes into nonsense.
    """
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    failure: UnicodeDecodeError | None = None
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            # The encoding that read furthest is the file's likeliest: a UTF-8 file with one bad
            # byte fails GB18030 early, at its first Chinese character.
            if failure is None or exc.start > failure.start:
                failure = exc
            continue
        if encoding == "gb18030":
            implausible = _implausible_gb18030(text)
            if implausible is not None:
                raise ListRefusedError(
                    f"the file is not UTF-8 and does not read as GB18030 ({implausible}); "
                    f"accepted encodings: {ACCEPTED_ENCODINGS} — save the CSV as UTF-8"
                )
        nul = text.find("\x00")
        if nul >= 0:
            row, field = position_of(text[:nul])
            raise ListRefusedError(
                f"the file contains a NUL character (line {_line_of(text, nul)}); a CSV is plain "
                "text — if this is an Excel workbook, upload it as .xlsx",
                row=row, field=field,
            )
        return text, encoding
    assert failure is not None
    # The bytes before the failure decode: they say which row and column it is in.
    row, field = position_of(data[: failure.start].decode(failure.encoding, errors="replace"))
    raise ListRefusedError(
        f"the file is neither UTF-8 nor GB18030 text: byte 0x{data[failure.start]:02X} at line "
        f"{_line_of(data, failure.start)} cannot be decoded; accepted encodings: "
        f"{ACCEPTED_ENCODINGS} — save the CSV as UTF-8",
        row=row, field=field,
    )
