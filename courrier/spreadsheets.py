"""Cells of the CSV and XLSX files Bannette exports. Text that comes from outside (a letter's
subject read by OCR, an e-mail's Subject, an API client, a contact's name) must never reach a
spreadsheet as a formula: `=HYPERLINK(…)`, `=cmd|…`, `@SUM(…)` or `+…` would run when the file
is opened. Every CSV is written through `csv_writer` and every XLSX row through `append_row`."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

from openpyxl.worksheet.worksheet import Worksheet

# What spreadsheets read as the start of a formula (OWASP's list, with tab and carriage return).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A number as Bannette writes it (-3, +2,5, -12.75 %): a number, not a formula, left as it is.
_NUMBER = re.compile(r"[-+]?\d[\d\u202f\u00a0 ]*(?:[.,]\d+)?(?:\s?%)?")


def neutral(value: Any) -> Any:
    """The value, with text a spreadsheet would run as a formula turned into plain text (a
    leading apostrophe, which spreadsheets read as "this is text" and do not show)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class _Writable(Protocol):
    def write(self, value: str, /) -> Any: ...


class CsvWriter:
    """csv.writer whose every cell goes through `neutral`."""

    def __init__(self, stream: _Writable, delimiter: str) -> None:
        self._writer = csv.writer(stream, delimiter=delimiter)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([neutral(value) for value in row])


def csv_writer(stream: _Writable, *, delimiter: str = ";") -> CsvWriter:
    """A CSV writer for exports (";" by default: what French spreadsheets open as columns)."""
    return CsvWriter(stream, delimiter)


def append_row(sheet: Worksheet, row: Iterable[Any]) -> None:
    """Append a row to an XLSX sheet, every text cell stored as text (openpyxl would store
    text starting with "=" as a formula)."""
    sheet.append(list(row))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
