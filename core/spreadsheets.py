"""Every spreadsheet and CSV file the portal writes goes through here, so no cell a person typed runs as a formula
and no account or ID number loses digits.

- **Formulas.** Text beginning with `=`, `+`, `-`, `@`, a tab or a carriage return is what Excel, LibreOffice and
  WPS evaluate (`=HYPERLINK(...)` in a bank-account holder's name would become a live link in finance's file).
  In XLSX such text is written as a string cell (its type says so: the program shows it, never runs it); in CSV,
  which has no types, it gets a leading apostrophe, the mark spreadsheet programs read as "this is text".
  A plain number written as text ("-12.5") is left alone: it is a number to every program, not a formula.
- **Identifiers.** Account, ID, mobile and member numbers are text: in XLSX a string cell formatted as text (`@`);
  in CSV a value of digits only is written as `="6222…"`, the form Excel keeps as text when it opens a CSV (a bare
  19-digit number becomes 6.22E+18 and loses its last digits). Only a value we checked to be ASCII digits is
  wrapped so: no text a person typed is ever written as a formula.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(value)


def csv_value(value, *, identifier: bool = False):
    """One CSV cell: None as empty, formula-like text neutralised, an all-digit identifier kept as text."""
    if value is None:
        return ""
    if identifier and isinstance(value, str) and value.isascii() and value.isdigit():
        return f'="{value}"'
    if is_formula_like(value):
        return "'" + value
    return value


def csv_unneutralise(value: str) -> str:
    """Reading back a CSV the portal wrote (an export meant to be imported again): the apostrophe it put before
    formula-like text is taken off again; the `="…"` around an identifier too."""
    if value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    if value.startswith('="') and value.endswith('"') and value[2:-1].isdigit():
        return value[2:-1]
    return value


class CsvWriter:
    """csv.writer that neutralises every row; `identifiers` are the column indexes holding account/ID numbers.
    `bom=True` writes the byte-order mark first (Excel reads Chinese UTF-8 text correctly only with it)."""

    def __init__(self, out, *, identifiers: Iterable[int] = (), bom: bool = True):
        self._writer = csv.writer(out)
        self._identifiers = frozenset(identifiers)
        self._bom = bom

    def writerow(self, row):
        line = self._writer.writerow(
            [csv_value(value, identifier=index in self._identifiers) for index, value in enumerate(row)])
        if self._bom:
            self._bom = False
            if isinstance(line, str):  # a pseudo-buffer that returns what it was given (streamed responses)
                return "\ufeff" + line
        return line

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(out, *, identifiers: Iterable[int] = ()) -> CsvWriter:
    """A CsvWriter on a file or HttpResponse, the byte-order mark written first."""
    out.write("\ufeff")
    return CsvWriter(out, identifiers=identifiers, bom=False)


def xlsx_append(sheet, row, *, identifiers: Iterable[int] = ()) -> None:
    """Appends `row` to an openpyxl sheet (write-only or not): formula-like text as string cells, identifiers as
    text-formatted string cells, everything else (numbers, Decimals, dates) as it is."""
    identifiers = frozenset(identifiers)
    cells = []
    for index, value in enumerate(row):
        if isinstance(value, str) and (index in identifiers or is_formula_like(value)):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # openpyxl would take "=…" for a formula: it is text
            if index in identifiers:
                cell.number_format = "@"
            cells.append(cell)
        else:
            cells.append(value)
    sheet.append(cells)


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def spreadsheet_response(*, fmt: str, filename: str, sheet: str, header: list, rows: Iterable[list],
                         identifiers: Iterable[int] = ()) -> HttpResponse:
    """A download of `header` and `rows` as CSV (UTF-8 with BOM) or XLSX (one sheet named `sheet`), through the
    same formula and identifier rules as every other file here. `filename` without its extension."""
    identifiers = tuple(identifiers)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv_writer(out, identifiers=identifiers)
        writer.writerow(header)
        writer.writerows(rows)
        response = HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    else:
        book = Workbook(write_only=True)
        page = book.create_sheet(sheet)
        page.append(header)
        for row in rows:
            xlsx_append(page, row, identifiers=identifiers)
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
