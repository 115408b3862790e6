"""Leaflets: print-ready PDFs of a published interpretation, A4 and tri-fold, with the QR code of the short link."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import shutil
import subprocess
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from conftest import AT
from zhengcai.accounts.models import User
from zhengcai.core.errors import ServiceError
from zhengcai.core.models import AuditEvent
from zhengcai.core.permissions import Role
from zhengcai.publicity import leaflet as layout
from zhengcai.publicity import outreach, services
from zhengcai.publicity.models import Leaflet, ShortLink

from .url_samples_outreach import library_document, published_item

DUMP = os.environ.get("ZC_LEAFLET_DUMP")  # a folder: write the PDFs there to look at them


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.ZC_PUBLIC_URL = "https://zfcg.czj.heze.gov.cn.invalid/"


@pytest.fixture
def make(heze: dict[str, Any], city_editor: User, publicity_reviewer: User, leader: User, policy_document: Any) -> Any:
    """Publish an item of the city bureau through the workflow (linked to 财库〔2020〕46号 unless told), with the
    bureau's contact filled in."""
    bureau = heze["city_bureau"]
    bureau.address, bureau.contact_phone = "菏泽市中华东路1号", "0530-5310000"
    bureau.save(update_fields=["address", "contact_phone"])

    def make(**fields: Any) -> Any:
        fields.setdefault("documents", [policy_document])
        return published_item(
            owner=bureau, editor=city_editor, reviewer=publicity_reviewer, leader=leader, at=AT, **fields
        )

    return make


@pytest.fixture
def editor(city_editor: User) -> User:
    return city_editor


@pytest.fixture
def item(make: Any, editor: User, policy_document: Any) -> Any:
    docs = [
        policy_document,
        library_document(
            number="财库〔2022〕19号",
            title="关于进一步加大政府采购支持中小企业力度的通知",
            actor=editor,
            at=AT,
            issued_on=dt.date(2022, 5, 30),
        ),
    ]
    return make(documents=docs)


def _dump(name: str, leaflet: Leaflet) -> bytes:
    data = leaflet.pdf.open("rb").read()
    leaflet.pdf.close()
    if DUMP:
        Path(DUMP, name).write_bytes(data)
    return data


def _pdf_objects(data: bytes) -> bytes:
    """The PDF with its compressed streams inflated (WeasyPrint keeps the metadata in an object stream)."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.DOTALL):
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompress(match.group(1)))
    return b"\n".join(parts)


def pdf_page_count(data: bytes) -> int:
    return int(re.search(rb"/Type /Pages[^>]*?/Count (\d+)", _pdf_objects(data)).group(1))  # type: ignore[union-attr]


def _pdftotext(data: bytes, tmp_path: Path, *, page: int, panel: int | None = None) -> str:
    """The text of one page, or of one 99 mm panel of it, without whitespace (poppler's pdftotext, installed
    by scripts/install-system-deps --browser; at 72 dpi its crop box is in points)."""
    path = tmp_path / "leaflet.pdf"
    path.write_bytes(data)
    crop = []
    if panel is not None:
        width = round(layout.TRIFOLD_PANEL_MM / 25.4 * 72)
        crop = ["-r", "72", "-x", str(panel * width), "-y", "0", "-W", str(width - 1), "-H", "595"]
    args = ["pdftotext", "-f", str(page), "-l", str(page), *crop, str(path), "-"]
    out = subprocess.run(args, capture_output=True, check=True, text=True)  # noqa: S603
    return "".join(out.stdout.split())


def test_a4_leaflet_is_a_stored_pdf_of_the_live_revision_with_the_leaflet_short_link(
    item: Any, editor: User, tmp_path: Path
) -> None:
    leaflet = outreach.leaflet_generate(content=item, format="a4", actor=editor, at=AT)
    data = _dump("a4.pdf", leaflet)
    assert data.startswith(b"%PDF-")
    assert leaflet.revision == item.live_revision
    assert leaflet.sha256 == hashlib.sha256(data).hexdigest()
    assert leaflet.pages == 1
    link = ShortLink.objects.get(content=item, channel="leaflet")
    url = f"https://zfcg.czj.heze.gov.cn.invalid/s/{link.code}"
    assert f"/Keywords ({url})".encode() in _pdf_objects(data)  # the PDF's keywords carry the QR code's URL
    assert pdf_page_count(data) == 1
    html = layout.html(content=item, revision=item.live_revision, format="a4", url=url, at=AT)
    assert layout.qr_svg(url) in html  # the QR code is made from exactly that URL
    assert AuditEvent.objects.filter(action="leaflet.generate", object_id=str(leaflet.pk)).count() == 1


def test_generating_the_same_revision_and_format_again_returns_the_stored_leaflet(item: Any, editor: User) -> None:
    first = outreach.leaflet_generate(content=item, format="a4", actor=editor, at=AT)
    again = outreach.leaflet_generate(content=item, format="a4", actor=editor, at=AT)
    assert again.pk == first.pk
    assert Leaflet.objects.count() == 1


def test_trifold_is_two_landscape_pages_with_front_back_flap_outside_and_the_text_inside(
    item: Any, editor: User, tmp_path: Path
) -> None:
    leaflet = outreach.leaflet_generate(content=item, format="trifold", actor=editor, at=AT)
    data = _dump("trifold.pdf", leaflet)
    assert leaflet.pages == pdf_page_count(data) == 2
    html = layout.html(
        content=item, revision=item.live_revision, format="trifold", url="https://x.invalid/s/abc", at=AT
    )
    from weasyprint import HTML

    pages = HTML(string=html, base_url=str(layout.FONT.parent)).render().pages
    assert [(round(p.width), round(p.height)) for p in pages] == [(1123, 794), (1123, 794)]  # A4 landscape in px
    outside, inside = pages[0].anchors, pages[1].anchors
    panel = layout.TRIFOLD_PANEL_MM * layout.PX_PER_MM
    assert outside["end-flap"][0] < panel < outside["end-back"][0] < 2 * panel < outside["end-front"][0]
    assert "end-inside" in inside
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    flap, back, front = (_pdftotext(data, tmp_path, page=1, panel=n) for n in range(3))
    code = ShortLink.objects.get(content=item, channel="leaflet").code
    assert "政府采购促进中小企业发展政策解读" in front
    assert "菏泽市财政局" in front
    assert f"/s/{code}" in front  # the QR code's link, printed under it
    assert "政府采购促进中小企业发展管理办法（财库〔2020〕46号）" in back  # the linked documents and numbers
    assert "财库〔2022〕19号" in back
    assert "0530-5310000" in back  # and the bureau's contact
    assert "菏泽市中华东路1号" in back
    assert "中小企业参与政府采购的三项支持措施" in flap  # the summary on the flap
    inside = _pdftotext(data, tmp_path, page=2)
    assert "对小微企业报价给予10%—20%的扣除" in inside


def test_the_qr_code_printed_on_the_leaflet_decodes_to_the_short_link(item: Any, editor: User, tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None or shutil.which("zbarimg") is None:
        pytest.skip("pdftoppm and zbarimg (poppler-utils, zbar-tools) are not installed")
    leaflet = outreach.leaflet_generate(content=item, format="trifold", actor=editor, at=AT)
    path = tmp_path / "leaflet.pdf"
    path.write_bytes(_dump("trifold.pdf", leaflet))
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")], check=True)  # noqa: S603, S607
    [png] = tmp_path.glob("p*.png")
    out = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True, check=True)  # noqa: S603, S607
    code = ShortLink.objects.get(content=item, channel="leaflet").code
    assert out.stdout.strip() == f"https://zfcg.czj.heze.gov.cn.invalid/s/{code}"


def test_text_too_long_for_the_trifold_is_refused_not_cut(make: Any, editor: User) -> None:
    long = make(body="政府采购政策解读正文。" * 900)
    with pytest.raises(ServiceError) as excinfo:
        outreach.leaflet_generate(content=long, format="trifold", actor=editor, at=AT)
    assert excinfo.value.field == "body"
    assert "三个内页" in excinfo.value.message_zh
    assert "three inside panels" in excinfo.value.message_en
    assert Leaflet.objects.count() == 0


class _Page:
    """What ``check_fit`` reads of a laid-out page: where each end-of-panel marker landed (CSS px)."""

    def __init__(self, **anchors: tuple[float, float]) -> None:
        self.anchors = {name.replace("_", "-"): (x, y, x, y) for name, (x, y) in anchors.items()}


@pytest.mark.parametrize(
    ("outside", "inside", "field"),
    [
        ({"end_flap": (40, 900)}, {"end_inside": (40, 100)}, "summary"),  # the flap ran past the bottom edge
        ({"end_back": (40, 300)}, {"end_inside": (40, 100)}, "documents"),  # the back panel wrapped into the flap
        ({"end_front": (800, 760)}, {"end_inside": (40, 100)}, "title"),  # just below the front's margin
        ({}, {"end_inside": (1200, 100)}, "body"),  # a fourth column, right of the sheet
    ],
)
def test_a_panel_whose_end_lies_outside_it_is_refused_naming_what_to_shorten(
    outside: dict[str, Any], inside: dict[str, Any], field: str
) -> None:
    fits = {"end_flap": (40, 300), "end_back": (420, 300), "end_front": (800, 700)}
    pages = [_Page(**{**fits, **outside}), _Page(**inside)]
    with pytest.raises(ServiceError) as excinfo:
        layout.check_fit(pages, "trifold")
    assert excinfo.value.field == field
    layout.check_fit([_Page(**fits), _Page(end_inside=(800, 700))], "trifold")  # the same, all inside: fits


def test_the_longest_title_still_fits_the_front_panel(make: Any, editor: User) -> None:
    long = make(title="关于" + "政府采购" * 29 + "的")  # 120 characters
    assert outreach.leaflet_generate(content=long, format="trifold", actor=editor, at=AT).pages == 2


def test_text_too_long_for_one_a4_sheet_is_refused_with_the_pages_it_needs(make: Any, editor: User) -> None:
    long = make(body="政府采购政策解读正文。\n" * 300)
    with pytest.raises(ServiceError) as excinfo:
        outreach.leaflet_generate(content=long, format="a4", actor=editor, at=AT)
    assert excinfo.value.field == "body"
    assert "2" in excinfo.value.message_en
    assert Leaflet.objects.count() == 0


def test_a_longer_interpretation_flows_onto_the_back_of_the_a4_sheet(make: Any, editor: User) -> None:
    longer = make(body="政府采购政策解读正文。\n" * 40)
    assert outreach.leaflet_generate(content=longer, format="a4", actor=editor, at=AT).pages == 2


def test_leaflets_are_made_only_from_published_interpretations(
    make: Any, editor: User, leader: User, item: Any
) -> None:
    story = make(kind="story")
    with pytest.raises(ServiceError) as excinfo:
        outreach.leaflet_generate(content=story, format="a4", actor=editor, at=AT)
    assert excinfo.value.code == "publicity.outreach.not_interpretation"
    services.content_withdraw(content=item, reason="政策已调整", actor=leader, at=AT + dt.timedelta(hours=1))
    with pytest.raises(ServiceError) as excinfo:
        outreach.leaflet_generate(content=item, format="a4", actor=editor, at=AT)
    assert excinfo.value.code == "publicity.outreach.not_published"


def test_only_publicity_editors_generate_leaflets(item: Any, role_users: dict[Role, User]) -> None:
    with pytest.raises(PermissionDenied):
        outreach.leaflet_generate(content=item, format="a4", actor=role_users[Role.AUDITOR], at=AT)
    with pytest.raises(ServiceError) as excinfo:
        outreach.leaflet_generate(content=item, format="a5", actor=role_users[Role.PUBLICITY_EDITOR], at=AT)
    assert excinfo.value.field == "format"
