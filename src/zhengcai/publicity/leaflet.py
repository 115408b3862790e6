"""Print-ready leaflets of a policy interpretation: HTML laid out by WeasyPrint with the bundled CJK font.

Two formats:
- ``a4``: one A4 sheet, portrait, printed on one or both sides (at most two pages): title, issuer and QR
  code at the top, the summary and the text, then the linked policy documents and the bureau's contact.
- ``trifold``: one A4 sheet, landscape, printed on both sides and folded in three (99 mm panels). Page 1 is
  the outside: the flap that folds in (summary, how to read more), the back (linked policy documents with
  their numbers, the bureau's contact) and the front (issuer, title, QR code). Page 2 is the inside: the
  interpretation's text flowing through three columns, one per panel. Fold marks at both edges.

Nothing is cut to fit: after layout, an empty marker at the end of every panel must lie inside that panel
(``Page.anchors`` gives its position); if one does not, the leaflet is refused with the part that overflows
and the field to shorten. The wording on the leaflet is Chinese whatever the interface language, like the
notices. The QR code (segno, SVG, vector) encodes the item's short link for the channel "leaflet", so
scans are counted as clicks; the URL is printed under it and stored in the PDF's keywords.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhengcai.core.errors import ServiceError
from zhengcai.guarantees.pdf import FONT, qr_svg  # the project's one CJK font file (by path), one QR style
from zhengcai.policies.models import PolicyDocument

from .errors import OutreachError
from .models import Content, ContentRevision, LeafletFormat

PX_PER_MM = 96 / 25.4  # WeasyPrint positions are CSS pixels
PAGE_MM = {LeafletFormat.A4: (210, 297), LeafletFormat.TRIFOLD: (297, 210)}
MAX_PAGES = {LeafletFormat.A4: 2, LeafletFormat.TRIFOLD: 2}
TRIFOLD_PANEL_MM = 99
TRIFOLD_BOTTOM_MM = 10  # the panels' bottom margin: a marker below it has overflowed
A4_BOTTOM_MM = 16

# The parts of a leaflet, where each must end, and what to shorten when one overflows.
PARTS = {
    "front": (_("the front panel"), "title"),
    "back": (_("the back panel"), "documents"),
    "flap": (_("the inside flap"), "summary"),
    "inside": (_("the three inside panels"), "body"),
    "sheet": (_("the sheet"), "body"),
}


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: int
    url: str


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n") if p.strip()]


def _documents(revision: ContentRevision) -> list[PolicyDocument]:
    ids = [int(i) for i in revision.document_ids]
    by_id = PolicyDocument.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def context(*, content: Content, revision: ContentRevision, url: str, at: dt.datetime) -> dict[str, Any]:
    published = content.first_published_at or content.published_at or at
    return {
        "content": content,
        "revision": revision,
        "title": revision.title,
        "summary": revision.summary,
        "paragraphs": paragraphs(revision.body),
        "issuer": content.owner,
        "documents": _documents(revision),
        "published": timezone.localtime(published),
        "generated": timezone.localtime(at),
        "url": url,
        "qr": qr_svg(url),
        "portal": settings.ZC_PUBLIC_URL.rstrip("/"),
        "font_url": FONT.as_uri(),
    }


def html(*, content: Content, revision: ContentRevision, format: str, url: str, at: dt.datetime) -> str:
    template = "publicity/leaflet_trifold.html" if format == LeafletFormat.TRIFOLD else "publicity/leaflet_a4.html"
    return render_to_string(template, context(content=content, revision=revision, url=url, at=at))


def _overflow(part: str, *, pages: int | None = None) -> ServiceError:
    where, field = PARTS[part]
    if pages is not None:
        return ServiceError(
            OutreachError.LEAFLET_OVERFLOW,
            field,
            _(
                "The text does not fit {where}: it needs {pages} pages, the format has {limit}. Shorten it or "
                "choose another format."
            ),
            where=where,
            pages=pages,
            limit=2,
        )
    return ServiceError(
        OutreachError.LEAFLET_OVERFLOW,
        field,
        _("The text does not fit {where} of the tri-fold leaflet: shorten it or choose the A4 format."),
        where=where,
    )


def _marker_page(pages: list[Any], name: str) -> tuple[int, tuple[float, ...]]:
    for index, page in enumerate(pages):
        if name in page.anchors:
            return index, tuple(page.anchors[name])
    raise LookupError(name)  # pragma: no cover - every template carries its markers


def check_fit(pages: list[Any], format: str) -> None:
    """Refuse a layout where a part ran past its panel or page (never print a cut text)."""
    width_mm, height_mm = PAGE_MM[LeafletFormat(format)]
    if format == LeafletFormat.TRIFOLD:
        bottom = (height_mm - TRIFOLD_BOTTOM_MM) * PX_PER_MM + 1
        panels = {"flap": (0, 0), "back": (0, 1), "front": (0, 2)}
        for part, (page_index, panel) in panels.items():
            index, (x, y, *_rest) = _marker_page(pages, f"end-{part}")
            left, right = panel * TRIFOLD_PANEL_MM * PX_PER_MM, (panel + 1) * TRIFOLD_PANEL_MM * PX_PER_MM
            if index != page_index or y > bottom or not left <= x <= right:
                raise _overflow(part)
        index, (x, y, *_rest) = _marker_page(pages, "end-inside")
        if index != 1 or x > width_mm * PX_PER_MM or y > bottom or len(pages) != 2:
            raise _overflow("inside")
        return
    if len(pages) > MAX_PAGES[LeafletFormat.A4]:
        raise _overflow("sheet", pages=len(pages))


def render(*, content: Content, revision: ContentRevision, format: str, url: str, at: dt.datetime) -> Rendered:
    """Lay out and check the leaflet; the PDF bytes depend only on the inputs (its dates are ``at``)."""
    from weasyprint import HTML  # late: loads pango; only leaflets need it

    document = HTML(
        string=html(content=content, revision=revision, format=format, url=url, at=at), base_url=str(FONT.parent)
    ).render()
    check_fit(list(document.pages), format)
    return Rendered(pdf=bytes(document.write_pdf()), pages=len(document.pages), url=url)
