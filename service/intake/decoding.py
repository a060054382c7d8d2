"""Turning the bytes of an uploaded CSV into text: UTF-8 (with or without BOM) or GB18030."""

from __future__ import annotations

import codecs

from service.intake.result import ListRefusedError

__all__ = ["decode_text"]


def _line_of(data: bytes | str, offset: int) -> int:
    """Return the 1-based line on which ``offset`` falls."""
    newline = b"\n" if isinstance(data, bytes) else "\n"
    return data.count(newline, 0, offset) + 1  # type: ignore[arg-type]


def decode_text(data: bytes) -> tuple[str, str]:
    """Return the text and the encoding used; refuse NUL characters and undecodable bytes.

    Order: a UTF-8 BOM means ``utf-8-sig``; a UTF-16 BOM (Excel's "Unicode text") means
    ``utf-16``; otherwise strict UTF-8, and failing that GB18030, which Excel on Chinese
    Windows writes (GB18030 is a superset of GBK and GB2312).
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
            failure = exc
            continue
        nul = text.find("\x00")
        if nul >= 0:
            raise ListRefusedError(
                f"the file contains a NUL character (line {_line_of(text, nul)}); a CSV is plain "
                "text — if this is an Excel workbook, upload it as .xlsx"
            )
        return text, encoding
    assert failure is not None
    raise ListRefusedError(
        f"the file is neither UTF-8 nor GB18030 text: byte 0x{data[failure.start]:02X} at line "
        f"{_line_of(data, failure.start)} cannot be decoded; save the CSV as UTF-8"
    )
