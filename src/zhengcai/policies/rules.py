"""Rules of the policy library: pure functions over plain values (no database).

Rule ids (named in code, tests and error messages):

* ``POL-NUMBER`` — a document number (文号) is either a GB/T 9704 issuing number
  ``<机关代字>〔YYYY〕N号`` (财库〔2020〕46号, 鲁财采〔2022〕2号, 财办库〔2020〕40号: the year in the
  hexagonal brackets 〔〕, the sequence number without leading zeros and without 第) or a decree number
  ``<issuer>令第N号`` (国务院令第658号, 财政部令第87号, 中华人民共和国主席令第十四号: Arabic digits or Chinese
  numerals in their standard form). Harmless variants are normalized: the brackets [] () （） 【】 ［］ 〖〗 ﹝﹞
  become 〔〕, full-width digits become ASCII digits, white space (around or inside) is dropped.
  Anything else is refused with the expected format.
* ``POL-NUMBER-YEAR`` — the year of a GB/T 9704 number is the year the document was issued.
* ``POL-NUMBER-REQUIRED`` — every document except a law has a number.
* ``POL-DATES`` — issued on or before today; effective on or after the issue date.
* ``POL-LEVEL-REGION`` — national and provincial documents have no region; a Heze city document belongs
  to the city; a district or county document to that district or county.
* ``POL-TYPE-LEVEL`` — laws, administrative regulations and departmental rules are national; local
  documents are not.
* ``POL-STATUS`` — in force → amended | repealed; amended → repealed. The change has a date (not before
  the document was issued, not after today, not before the replacing document was issued); "amended"
  names the amending document; a replacing document is another, not older, not repealed document.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from zhengcai.core.errors import ServiceError

from .errors import PolicyError
from .models import DocumentStatus, DocumentType, PolicyLevel

NUMBER_MAX = 60  # PolicyDocument.number
EARLIEST_YEAR = 1949
LATEST_YEAR = 2099

# Harmless variants: other brackets → 〔〕, full-width digits → ASCII.
_BRACKETS = {"[": "〔", "]": "〕", "(": "〔", ")": "〕", "（": "〔", "）": "〕", "【": "〔", "】": "〕"}
_BRACKETS |= {"［": "〔", "］": "〕", "〖": "〔", "〗": "〕", "﹝": "〔", "﹞": "〕"}
_VARIANTS = str.maketrans({**_BRACKETS, **{chr(0xFF10 + d): str(d) for d in range(10)}})
_SPACE = re.compile(r"\s+")  # Unicode white space, including the ideographic space U+3000

_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_GBT = re.compile(rf"(?P<code>[{_HAN}]{{1,16}})〔(?P<year>[0-9]{{4}})〕(?P<seq>[0-9]+)号")
_CN_DIGITS = "零一二三四五六七八九"
_DECREE = re.compile(rf"(?P<code>[{_HAN}]{{0,20}}令)第(?P<seq>[0-9]+|[{_CN_DIGITS}十百千]+)号")

GBT_9704 = "gbt9704"
DECREE = "decree"


@dataclass(frozen=True)
class DocumentNumber:
    """A document number as the library stores it (``text``) and what it says."""

    text: str
    kind: str  # GBT_9704 or DECREE
    code: str  # 机关代字 (财库) or the decree's issuer (国务院令)
    seq: int
    year: int | None = None  # GB/T 9704 numbers only


def cn_numeral(value: int) -> str:
    """The standard Chinese numeral of 1–9999 (十四, 六十八, 一百零三, 一千零五十)."""
    if not 0 < value < 10_000:
        raise ValueError(value)
    parts: list[str] = []
    started = gap = False
    for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = value // unit_value % 10
        if digit:
            if gap:
                parts.append("零")
            parts.append(_CN_DIGITS[digit] + unit)
            started, gap = True, False
        elif started:
            gap = True
    text = "".join(parts)
    return text[1:] if text.startswith("一十") else text


@functools.cache
def _cn_values() -> dict[str, int]:
    return {cn_numeral(n): n for n in range(1, 10_000)}


def parse_cn_numeral(text: str) -> int | None:
    """The value of a standard Chinese numeral, or None (non-standard forms such as 一十四 or 零五 too)."""
    return _cn_values().get(text)


def _format_error(raw: str) -> ServiceError:
    return ServiceError(
        PolicyError.NUMBER_FORMAT,
        "number",
        _(
            "Unknown document number format “{number}”: expected an issuing number <issuer code>〔YYYY〕N号 "
            "(GB/T 9704, e.g. 财库〔2020〕46号) or a decree number <issuer>令第N号 (e.g. 国务院令第658号)."
        ),
        number=raw,
    )


def _seq_error(raw: str) -> ServiceError:
    return ServiceError(
        PolicyError.NUMBER_FORMAT,
        "number",
        _(
            "The sequence number in “{number}” is not written as GB/T 9704 requires: a positive number "
            "without leading zeros (1, not 01) and, in an issuing number, without 第."
        ),
        number=raw,
    )


def normalize_number(raw: str) -> DocumentNumber | None:
    """POL-NUMBER: the normalized number, None when empty, or a ServiceError on field ``number``."""
    text = _SPACE.sub("", (raw or "").translate(_VARIANTS))
    if not text:
        return None
    if len(text) > NUMBER_MAX:
        raise ServiceError(
            PolicyError.TOO_LONG,
            "number",
            _("The document number has {length} characters; at most {limit} are allowed."),
            length=len(text),
            limit=NUMBER_MAX,
        )
    if match := _GBT.fullmatch(text):
        code, year, seq = match["code"], int(match["year"]), match["seq"]
        if code.endswith("第") or code.endswith("令"):
            raise _seq_error(raw) if code.endswith("第") else _format_error(raw)
        if seq.startswith("0"):
            raise _seq_error(raw)
        if not EARLIEST_YEAR <= year <= LATEST_YEAR:
            raise _format_error(raw)
        return DocumentNumber(text=text, kind=GBT_9704, code=code, seq=int(seq), year=year)
    if match := _DECREE.fullmatch(text):
        code, seq = match["code"], match["seq"]
        if "第" in code or code == "令":
            raise _format_error(raw)
        if seq.isdigit():
            if seq.startswith("0"):
                raise _seq_error(raw)
            value = int(seq)
        else:
            parsed = parse_cn_numeral(seq)
            if parsed is None:
                raise _seq_error(raw)
            value = parsed
        return DocumentNumber(text=text, kind=DECREE, code=code, seq=value)
    raise _format_error(raw)


def number_errors(raw: str, *, doc_type: str, issued_on: dt.date | None) -> tuple[str, list[ServiceError]]:
    """POL-NUMBER, POL-NUMBER-REQUIRED, POL-NUMBER-YEAR: the number to store and what is wrong with it."""
    try:
        number = normalize_number(raw)
    except ServiceError as exc:
        return raw, [exc]
    if number is None:
        if doc_type == DocumentType.LAW:
            return "", []
        return "", [
            ServiceError(
                PolicyError.NUMBER_REQUIRED,
                "number",
                _("Enter the document number: only a law may have none (POL-NUMBER-REQUIRED)."),
            )
        ]
    if number.year is not None and issued_on is not None and number.year != issued_on.year:
        return number.text, [
            ServiceError(
                PolicyError.NUMBER_YEAR,
                "number",
                _("The year in the document number ({year}) is not the year of the issue date ({issued})."),
                year=number.year,
                issued=issued_on.isoformat(),
            )
        ]
    return number.text, []


def date_errors(*, issued_on: dt.date | None, effective_on: dt.date | None, today: dt.date) -> list[ServiceError]:
    """POL-DATES."""
    errors = []
    if issued_on is None:
        errors.append(ServiceError(PolicyError.REQUIRED, "issued_on", _("Enter the date the document was issued.")))
    elif issued_on > today:
        errors.append(
            ServiceError(
                PolicyError.FUTURE,
                "issued_on",
                _("The issue date {date} is after today: record a document once it is issued."),
                date=issued_on.isoformat(),
            )
        )
    if effective_on is None:
        errors.append(
            ServiceError(PolicyError.REQUIRED, "effective_on", _("Enter the date the document takes effect."))
        )
    elif issued_on is not None and effective_on < issued_on:
        errors.append(
            ServiceError(
                PolicyError.DATES,
                "effective_on",
                _("The effective date must be on or after the issue date ({issued}) (POL-DATES)."),
                issued=issued_on.isoformat(),
            )
        )
    return errors


def level_errors(*, level: str, doc_type: str, region: Any) -> list[ServiceError]:
    """POL-LEVEL-REGION and POL-TYPE-LEVEL. ``region`` is an organizations Region or None."""
    errors = []
    if level not in PolicyLevel.values:
        errors.append(ServiceError(PolicyError.CHOICE, "level", _("Choose the level of the document.")))
    if doc_type not in DocumentType.values:
        errors.append(ServiceError(PolicyError.CHOICE, "doc_type", _("Choose the type of the document.")))
    if errors:
        return errors
    if level in {PolicyLevel.NATIONAL, PolicyLevel.PROVINCIAL} and region is not None:
        errors.append(
            ServiceError(
                PolicyError.REGION, "region", _("National and provincial documents have no region: leave it empty.")
            )
        )
    elif level == PolicyLevel.CITY and (region is None or not region.is_city):
        errors.append(ServiceError(PolicyError.REGION, "region", _("A Heze city document belongs to the city.")))
    elif level == PolicyLevel.COUNTY and (region is None or region.is_city):
        errors.append(
            ServiceError(PolicyError.REGION, "region", _("Choose the district or county that issued the document."))
        )
    national_only = {DocumentType.LAW, DocumentType.ADMINISTRATIVE_REGULATION, DocumentType.DEPARTMENTAL_RULE}
    if doc_type in national_only and level != PolicyLevel.NATIONAL:
        errors.append(
            ServiceError(
                PolicyError.TYPE_LEVEL,
                "doc_type",
                _("Laws, administrative regulations and departmental rules are national documents."),
            )
        )
    elif doc_type == DocumentType.LOCAL and level == PolicyLevel.NATIONAL:
        errors.append(
            ServiceError(
                PolicyError.TYPE_LEVEL, "doc_type", _("A national document is not a local document: choose its type.")
            )
        )
    return errors


# POL-STATUS: the lifecycle table.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    DocumentStatus.EFFECTIVE: frozenset({DocumentStatus.AMENDED, DocumentStatus.REPEALED}),
    DocumentStatus.AMENDED: frozenset({DocumentStatus.REPEALED}),
    DocumentStatus.REPEALED: frozenset(),
}


@dataclass(frozen=True)
class Replacement:
    """What the status rules need to know about the replacing document."""

    pk: int
    issued_on: dt.date
    status: str


def status_errors(
    *,
    document_pk: int,
    document_issued_on: dt.date,
    target: str,
    changed_on: dt.date | None,
    replacement: Replacement | None,
    today: dt.date,
) -> list[ServiceError]:
    """POL-STATUS, except the transition itself (``core.fsm.check_transition`` with STATUS_TRANSITIONS)."""
    errors = []
    if changed_on is None:
        errors.append(
            ServiceError(
                PolicyError.STATUS_DATE,
                "status_changed_on",
                _("Enter the date from which the document is amended or repealed."),
            )
        )
    elif changed_on < document_issued_on:
        errors.append(
            ServiceError(
                PolicyError.STATUS_DATE,
                "status_changed_on",
                _("The status date cannot be before the document was issued ({issued})."),
                issued=document_issued_on.isoformat(),
            )
        )
    elif changed_on > today:
        errors.append(
            ServiceError(
                PolicyError.FUTURE,
                "status_changed_on",
                _("The status date {date} is after today: change the status when it happens."),
                date=changed_on.isoformat(),
            )
        )
    if replacement is None:
        if target == DocumentStatus.AMENDED:
            errors.append(
                ServiceError(
                    PolicyError.SUPERSEDED_BY,
                    "superseded_by",
                    _("An amended document names the document that amended it."),
                )
            )
        return errors
    if replacement.pk == document_pk:
        errors.append(ServiceError(PolicyError.SUPERSEDED_BY, "superseded_by", _("A document cannot replace itself.")))
    elif replacement.status == DocumentStatus.REPEALED:
        errors.append(
            ServiceError(
                PolicyError.SUPERSEDED_BY,
                "superseded_by",
                _("The replacing document is itself repealed: name the document in force."),
            )
        )
    elif replacement.issued_on < document_issued_on:
        errors.append(
            ServiceError(
                PolicyError.SUPERSEDED_BY,
                "superseded_by",
                _("The replacing document was issued before this one ({issued})."),
                issued=document_issued_on.isoformat(),
            )
        )
    elif changed_on is not None and not errors and changed_on < replacement.issued_on:
        errors.append(
            ServiceError(
                PolicyError.STATUS_DATE,
                "status_changed_on",
                _("The status date cannot be before the replacing document was issued ({issued})."),
                issued=replacement.issued_on.isoformat(),
            )
        )
    return errors
