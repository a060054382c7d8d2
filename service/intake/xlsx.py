"""Reading the first worksheet of an XLSX candidate list, after checking the zip is safe to open."""

from __future__ import annotations

import io
import warnings
import zipfile

from openpyxl import load_workbook

from service.intake.result import ListRefusedError

__all__ = ["MAX_COMPRESSION_RATIO", "MAX_MEMBERS", "check_zip", "read_xlsx"]

MAX_COMPRESSION_RATIO = 200
"""Largest uncompressed:compressed ratio allowed for a big member; spreadsheets stay far below."""

MAX_MEMBERS = 1_000
"""Most files a workbook archive may hold; real workbooks hold a few dozen."""

# Small members may compress absurdly well (an empty sheet) without being a danger.
_RATIO_CHECK_FROM = 1 << 20


def check_zip(data: bytes, *, max_uncompressed: int) -> None:
    """Refuse, before any XML is parsed, what is not a zip or would expand too far (a zip bomb).

    zipfile stops each member at its declared size, so bounding the declared sizes bounds what
    openpyxl can ever inflate.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ListRefusedError(
            f"not an XLSX workbook: the file is not a valid zip archive ({exc})"
        ) from None
    if len(members) > MAX_MEMBERS:
        raise ListRefusedError(f"not an XLSX workbook: the archive holds {len(members):,} files")
    total = sum(member.file_size for member in members)
    if total > max_uncompressed:
        raise ListRefusedError(
            f"the workbook would expand to {total:,} bytes, above the limit of "
            f"{max_uncompressed:,}; split the list or upload it as CSV"
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size >= _RATIO_CHECK_FROM and ratio > MAX_COMPRESSION_RATIO:
            raise ListRefusedError(
                f"the workbook member {member.filename!r} expands {ratio:,.0f}-fold "
                f"(limit {MAX_COMPRESSION_RATIO}); this looks like a zip bomb, not a spreadsheet"
            )


def read_xlsx(
    data: bytes, *, max_uncompressed: int, max_data_rows: int
) -> list[tuple[object, ...]]:
    """Return the rows of the first worksheet, header first, stopping after ``max_data_rows + 1``.

    Rows are returned as cell values (``str``, ``int``, ``float``, ``bool``, ``datetime`` or
    ``None``); blank rows keep their place so that list positions are spreadsheet row numbers.
    """
    check_zip(data, max_uncompressed=max_uncompressed)
    rows: list[tuple[object, ...]] = []
    try:
        # openpyxl warns about features it drops (data validation, styles); they do not matter
        # here and must not turn into errors where warnings are errors.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_links=False
            )
            try:
                if not workbook.worksheets:
                    raise ListRefusedError("the workbook has no worksheet")
                sheet = workbook.worksheets[0]
                # The declared dimensions of a sheet are often wrong; read what is there.
                sheet.reset_dimensions()
                data_rows = 0
                for values in sheet.iter_rows(values_only=True):
                    rows.append(tuple(values))
                    if len(rows) > 1 and any(v is not None and v != "" for v in values):
                        data_rows += 1
                        if data_rows > max_data_rows:
                            break
            finally:
                workbook.close()
    except ListRefusedError:
        raise
    except Exception as exc:
        # Whatever openpyxl trips over in an untrusted file is the file's fault, not a 500.
        reason = f"{type(exc).__name__}: {exc}"
        raise ListRefusedError(f"the workbook cannot be read: {reason}") from None
    return rows
