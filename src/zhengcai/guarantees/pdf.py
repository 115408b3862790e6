"""The printable letter of guarantee: HTML rendered by WeasyPrint with the bundled CJK font and a QR code.

The letter's wording is Chinese whatever the reader's interface language (it is the legal text, like the
official notices); the QR code (segno) encodes the public verification URL with the payload, which is also
printed under it and stored in the PDF's keywords, so the letter can be checked without scanning.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import segno
from django.template.loader import render_to_string
from django.utils import timezone

from zhengcai.procurement.rules import fen_to_yuan

from . import signing
from .models import Guarantee, GuaranteeKind

FONT = Path(__file__).resolve().parent / "fonts" / "NotoSansSC-GB2312-Regular.woff2"
DIGITS = "零壹贰叁肆伍陆柒捌玖"
UNITS = ("", "拾", "佰", "仟")
GROUPS = ("", "万", "亿", "万亿")


def _group_words(group: int) -> str:
    words, zero = "", False
    for position in (3, 2, 1, 0):
        digit = group // 10**position % 10
        if digit == 0:
            zero = bool(words)
            continue
        if zero:
            words += "零"
            zero = False
        words += DIGITS[digit] + UNITS[position]
    return words


def _integer_words(n: int) -> str:
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    words, gap = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            gap = bool(words)
            continue
        if words and (gap or group < 1000):
            words += "零"
        words += _group_words(group) + GROUPS[index]
        gap = False
    return words or "零"


def amount_in_words(fen: int) -> str:
    """人民币大写 (the amount in Chinese capital numerals, as letters of guarantee state it)."""
    yuan, jiao, cents = fen // 100, fen // 10 % 10, fen % 10
    words = _integer_words(yuan) + "元" if yuan else ""
    if jiao == 0 and cents == 0:
        return "人民币" + (words or "零元") + "整"
    if jiao:
        words += DIGITS[jiao] + "角"
    elif yuan:
        words += "零"
    words += DIGITS[cents] + "分" if cents else "整"
    return "人民币" + words


def qr_svg(data: str) -> str:
    """The QR code as an SVG data URI (error correction M: survives a print smudge)."""
    return str(segno.make(data, error="m", micro=False).svg_data_uri(scale=4, border=2))


def letter_context(guarantee: Guarantee, *, base_url: str | None = None) -> dict[str, Any]:
    url = signing.verify_url(guarantee, base=base_url)
    contract = guarantee.contract
    return {
        "g": guarantee,
        "is_bid": guarantee.kind == GuaranteeKind.BID,
        "title": "投标保函" if guarantee.kind == GuaranteeKind.BID else "履约保函",
        "amount": fen_to_yuan(guarantee.amount_fen),
        "amount_words": amount_in_words(guarantee.amount_fen),
        "contract_amount": fen_to_yuan(contract.amount_fen) if contract is not None else None,
        "issued_at": timezone.localtime(guarantee.issued_at),
        "url": url,
        "payload": signing.payload_of(guarantee),
        "qr": qr_svg(url),
        "font_url": FONT.as_uri(),
        "bureau_key": signing.bureau_public_key(),
    }


def letter_html(guarantee: Guarantee, *, base_url: str | None = None) -> str:
    return render_to_string("guarantees/letter.html", letter_context(guarantee, base_url=base_url))


def guarantee_pdf(guarantee: Guarantee, *, base_url: str | None = None) -> bytes:
    from weasyprint import HTML  # late: loads pango; only the PDF needs it

    html = letter_html(guarantee, base_url=base_url)
    return bytes(HTML(string=html, base_url=str(FONT.parent)).write_pdf())
