"""Spreadsheets in and out: the bulk-registration template (Excel, openpyxl) and reading it back, and the
live meeting's attendance export (CSV or Excel, as Tencent Meeting, DingTalk and Zoom write them).

Reading never registers or records anything: it returns rows, or raises ``ServiceError`` naming the row and
the column of every problem (第N行 / Row N), so the services can take all rows or none.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

from zhengcai.core.errors import ServiceError, raise_if_any

from .errors import TrainingError
from .models import Session
from .services import AttendanceRow, SheetRow, row_error

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000
TEMPLATE_HEADERS = ("姓名 Name", "手机号 Mobile", "职务 Job title")

_BRACKETS = re.compile(r"[（(\[【].*?[)）\]】]")


def _key(header: Any) -> str:
    """A header cell reduced for matching: no bracketed units, spaces or case."""
    return _BRACKETS.sub("", str(header or "")).replace(" ", "").replace("\u3000", "").lower()


REGISTRATION_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名name", "姓名", "name"),
    "phone": ("手机号mobile", "手机号", "手机", "手机号码", "mobile", "phone"),
    "job_title": ("职务jobtitle", "职务", "jobtitle", "title"),
}
ATTENDANCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "用户昵称", "昵称", "参会者", "参会人", "参会人员", "name", "participant", "username"),
    "phone": ("手机号", "手机", "手机号码", "电话", "联系电话", "phone", "mobile"),
    "join": ("入会时间", "首次入会时间", "加入时间", "进入时间", "jointime", "joined", "join"),
    "leave": ("离会时间", "最后离会时间", "退出时间", "离开时间", "leavetime", "left", "leave"),
    "minutes": ("参会时长", "入会时长", "时长", "在线时长", "观看时长", "minutes", "duration"),
}


def _file_error(message: Any, **params: Any) -> ServiceError:
    return ServiceError(TrainingError.IMPORT_FILE, "file", message, **params)


def _read_all(stream: IO[bytes]) -> bytes:
    data = stream.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise _file_error(_("The file is larger than {mb} MB."), mb=MAX_FILE_BYTES // (1024 * 1024))
    if not data:
        raise _file_error(_("The file is empty."))
    return data


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return str(value).strip()


def _xlsx_rows(data: bytes) -> list[tuple[Any, ...]]:
    if not data.startswith(b"PK"):
        raise _file_error(_("This is not an Excel file (.xlsx): download the template and fill it in."))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _file_error(_("The Excel file cannot be read: save it again as .xlsx.")) from exc
    sheet = workbook.worksheets[0]
    rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    workbook.close()
    return rows


def _columns(header: Iterable[Any], wanted: dict[str, tuple[str, ...]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = _key(cell)
        for name, aliases in wanted.items():
            if name not in found and key in aliases:
                found[name] = index
    return found


def _strip_blank(rows: list[tuple[Any, ...]]) -> list[tuple[int, tuple[Any, ...]]]:
    """(spreadsheet row number, cells) of the rows after the header that have anything in them."""
    out = []
    for number, cells in enumerate(rows[1:], start=2):
        if any(_cell_text(c) for c in cells):
            out.append((number, cells))
    if len(out) > MAX_ROWS:
        raise _file_error(_("At most {max} rows per file (this has {count})."), max=MAX_ROWS, count=len(out))
    return out


# --- bulk registration ----------------------------------------------------------------------------------


def registration_template(*, session: Session | None = None) -> bytes:
    """The Excel template: one header row (Chinese and English) and a sheet of instructions."""
    workbook = Workbook()
    sheet = workbook.create_sheet("报名 Registration", 0)
    workbook.remove(workbook.worksheets[1])  # the default empty sheet
    sheet.title = "报名 Registration"
    sheet.append(list(TEMPLATE_HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for column, width in zip("ABC", (16, 18, 24), strict=True):
        sheet.column_dimensions[column].width = width
        for row in range(2, 502):
            sheet[f"{column}{row}"].number_format = "@"  # text: an 11-digit number stays as typed
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("说明 Instructions")
    lines = [
        "每行一人：姓名、11位手机号（必填），职务（选填）。只能报名本单位人员。",
        "One person per row: name and 11-digit mobile number (required), job title (optional). Your own staff only.",
        "同一手机号不可重复；有任何一行错误时，整个文件都不会导入，请按提示修改后重新上传。",
        "No mobile number twice; if any row is wrong, nothing is imported: fix the rows named and upload again.",
        "人数超过剩余名额时将被拒绝（可选择超出部分进入候补名单）。",
        "A sheet with more people than places left is refused (or, if you choose, those beyond go on the waiting list).",
    ]
    if session is not None:
        when = timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M")
        lines.insert(0, f"{session.course.title} · {when}")
    for line in lines:
        notes.append([line])
    notes.column_dimensions["A"].width = 110
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_registration_sheet(stream: IO[bytes]) -> list[SheetRow]:
    rows = _xlsx_rows(_read_all(stream))
    if not rows:
        raise _file_error(_("The sheet is empty: download the template and fill it in."))
    columns = _columns(rows[0], REGISTRATION_COLUMNS)
    missing = [c for c in ("name", "phone") if c not in columns]
    if missing:
        raise _file_error(_("The first row must be the template's header (姓名 Name, 手机号 Mobile, 职务 Job title)."))
    out = []
    for number, cells in _strip_blank(rows):

        def cell(name: str, cells: tuple[Any, ...] = cells) -> str:
            index = columns.get(name)
            return _cell_text(cells[index]) if index is not None and index < len(cells) else ""

        out.append(SheetRow(row=number, name=cell("name"), phone=cell("phone"), job_title=cell("job_title")))
    return out


# --- live attendance export ----------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _file_error(_("The CSV file is neither UTF-8 nor GBK text."))


def _csv_rows(data: bytes) -> list[tuple[Any, ...]]:
    text = _decode(data)
    try:
        return [tuple(r) for r in csv.reader(io.StringIO(text))]
    except csv.Error as exc:
        raise _file_error(_("The CSV file cannot be read: {problem}"), problem=str(exc)) from exc


TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")


def _moment(value: Any, session: Session) -> dt.datetime | None:
    """A join or leave time: an Excel date-time, a full date and time, or a time of the session's day."""
    moment = value if isinstance(value, dt.datetime) else _parse_moment(_cell_text(value), session)
    if moment is None:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _parse_moment(text: str, session: Session) -> dt.datetime | None:
    for fmt in TIME_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    for fmt in ("%H:%M:%S", "%H:%M"):
        try:
            clock_time = dt.datetime.strptime(text, fmt).time()
        except ValueError:
            continue
        return dt.datetime.combine(timezone.localtime(session.starts_at).date(), clock_time)
    return None


def _minutes(value: Any) -> float | None:
    """Minutes as a number, or a duration h:mm:ss / mm:ss."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) if value >= 0 else None
    text = _cell_text(value).replace("分钟", "").replace("分", "").strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    match = re.fullmatch(r"(?:(\d+):)?(\d{1,2}):(\d{2})", text)
    if match:
        hours = int(match.group(1) or 0)
        return hours * 60 + int(match.group(2)) + int(match.group(3)) / 60
    return None


def read_attendance_export(stream: IO[bytes], *, filename: str, session: Session) -> list[AttendanceRow]:
    """The rows of the meeting's export: name, mobile, and either join and leave times (clipped to the
    session) or the minutes attended. Every unreadable row is reported; nothing is read partly."""
    data = _read_all(stream)
    is_excel = filename.lower().endswith((".xlsx", ".xlsm")) or data.startswith(b"PK")
    rows = _xlsx_rows(data) if is_excel else _csv_rows(data)
    # Some exports put a title line or two above the header: the header is the first row naming a person.
    start = next(
        (
            i
            for i, r in enumerate(rows[:10])
            if "name" in _columns(r, ATTENDANCE_COLUMNS) or "phone" in _columns(r, ATTENDANCE_COLUMNS)
        ),
        None,
    )
    if start is None:
        raise _file_error(_("No header row with a name or mobile column was found in the first ten rows."))
    rows = rows[start:]
    columns = _columns(rows[0], ATTENDANCE_COLUMNS)
    if "minutes" not in columns and not ("join" in columns and "leave" in columns):
        raise _file_error(_("The export needs either the minutes attended or both join and leave times."))
    errors: list[ServiceError] = []
    out: list[AttendanceRow] = []
    for offset_number, cells in _strip_blank(rows):
        number = offset_number + start

        def cell(name: str, cells: tuple[Any, ...] = cells) -> Any:
            index = columns.get(name)
            return cells[index] if index is not None and index < len(cells) else None

        name, phone = _cell_text(cell("name")), _cell_text(cell("phone"))
        if not name and not phone:
            errors.append(
                row_error(TrainingError.IMPORT_ROW, number, "name", _("Neither a name nor a mobile number."))
            )
            continue
        minutes: float | None
        if "join" in columns and "leave" in columns and (cell("join") is not None or "minutes" not in columns):
            joined, left = _moment(cell("join"), session), _moment(cell("leave"), session)
            if joined is None or left is None:
                column = "join" if joined is None else "leave"
                errors.append(
                    row_error(
                        TrainingError.IMPORT_ROW,
                        number,
                        column,
                        _("Give the time as YYYY-MM-DD HH:MM(:SS)."),
                    )
                )
                continue
            if left < joined:
                errors.append(row_error(TrainingError.IMPORT_ROW, number, "leave", _("Leaves before joining.")))
                continue
            joined, left = max(joined, session.starts_at), min(left, session.ends_at)
            minutes = max((left - joined).total_seconds() / 60, 0.0)
        else:
            minutes = _minutes(cell("minutes"))
            if minutes is None:
                errors.append(
                    row_error(TrainingError.IMPORT_ROW, number, "minutes", _("Give the minutes as a number."))
                )
                continue
        out.append(AttendanceRow(row=number, name=name, phone=phone, minutes=minutes))
    errors.sort(key=lambda e: int(e.params.get("row", 0)))
    raise_if_any(errors)
    if not out:
        raise ServiceError(TrainingError.IMPORT_EMPTY, "file", _("The export has no attendance rows."))
    return out
