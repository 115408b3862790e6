"""Excel exports (openpyxl): one workbook from a list of sheets, each a header row in bold over its rows.

Values go in as they are, so numbers stay numbers (a Decimal is written exactly, never through float) and
dates stay dates; translated labels (lazy strings) are rendered in the active language.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Sheet:
    title: Any
    header: Sequence[Any]
    rows: Iterable[Sequence[Any]]
    before: Sequence[Sequence[Any]] = ()  # lines above the header: a caption, the as-of time
    first_width: int = 28  # column A holds the names
    freeze: str | None = None  # e.g. "B2": keep the header and the names in view


def cell(value: Any) -> Any:
    return str(value) if isinstance(value, Promise) else value


def workbook(sheets: Iterable[Sheet]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.worksheets[0])
    for spec in sheets:
        sheet = book.create_sheet(str(spec.title)[:31])
        for line in spec.before:
            sheet.append([cell(v) for v in line])
        sheet.append([str(h) for h in spec.header])
        for c in sheet[sheet.max_row]:
            c.font = Font(bold=True)
        for row in spec.rows:
            sheet.append([cell(v) for v in row])
        sheet.column_dimensions["A"].width = spec.first_width
        if spec.freeze:
            sheet.freeze_panes = spec.freeze
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
