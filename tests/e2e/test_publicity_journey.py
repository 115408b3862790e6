"""Policy publicity, in Chromium: a 曹县 editor drafts a policy interpretation; the city's publicity team passes it
with a comment; the leader approves it; it is on the portal, in the RSS feed and in the WeChat outbox as a ready
package; an A4 leaflet is generated and its printed QR code (decoded from the rendered PDF page) opens the
item's page; 3,000 copies are printed; a supplier acknowledges the open letter; the reach dashboard's totals
move accordingly."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import PASSWORD, make_user
from zhengcai.accounts.models import User
from zhengcai.core import clock
from zhengcai.core.permissions import Role
from zhengcai.policies.services import DocumentInput, document_create
from zhengcai.publicity import services
from zhengcai.publicity.models import Channel, ChannelPost, Content, ContentKind, PostState

from .conftest import login, logout, screenshot, zh

TITLE = "曹县中小企业预留份额政策解读"


def _cover(tmp_path: Path) -> Path:
    path = tmp_path / "封面.png"
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1600), (178, 34, 34)).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture
def people(heze: dict[str, Any], settings: Any, tmp_path: Path, live_server: LiveServer) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ZC_PUBLIC_URL = live_server.url  # the QR codes and short links point at this server
    now = clock.now()
    city_editor = make_user(Role.PUBLICITY_EDITOR, heze["city_bureau"], username="pub_city_editor")
    people = {
        "cao_editor": make_user(Role.PUBLICITY_EDITOR, heze["cao_bureau"], username="pub_cao_editor"),
        "team": make_user(Role.PUBLICITY_REVIEWER, heze["city_bureau"], username="pub_team"),
        "leader": make_user(Role.BUREAU_LEADER, heze["city_bureau"], username="pub_leader"),
        "supplier": make_user(Role.SUPPLIER_STAFF, heze["supplier"], username="pub_supplier"),
    }
    document = document_create(
        data=DocumentInput(
            title="政府采购促进中小企业发展管理办法",
            number="财库〔2020〕46号",
            level="national",
            doc_type="normative",
            issuer="财政部、工业和信息化部",
            region=None,
            issued_on=dt.date(2020, 12, 18),
            effective_on=dt.date(2021, 1, 1),
            summary="预留份额、价格评审优惠、中小企业声明函。",
            full_text="第一条 为了发挥政府采购的政策功能，促进中小企业健康发展……",
        ),
        actor=city_editor,
        at=now - dt.timedelta(days=30),
    )
    # The open letter, published by the city a week ago (through the workflow, like a real one).
    letter = services.content_create(
        kind=ContentKind.OPEN_LETTER,
        owner=heze["city_bureau"],
        data=services.ContentInput(
            title="致全市政府采购供应商的一封信",
            summary="优化政府采购营商环境的各项便利措施。",
            body="尊敬的各位供应商朋友：\n\n信用良好的供应商免收投标保证金。",
            channels=[Channel.WEBSITE, Channel.FEED],
            cover=_cover(tmp_path).open("rb"),
            cover_name="封面.png",
        ),
        actor=city_editor,
        at=now - dt.timedelta(days=7),
    )
    week_ago = now - dt.timedelta(days=7)
    services.content_submit(content=letter, actor=city_editor, at=week_ago + dt.timedelta(minutes=5))
    services.content_pass(content=letter, actor=people["team"], at=week_ago + dt.timedelta(minutes=10))
    services.content_approve(content=letter, actor=people["leader"], at=week_ago + dt.timedelta(minutes=20))
    return {**people, "document": document, "letter": letter, "tmp": tmp_path}


def _login_as(page: Page, live_server: LiveServer, user: User) -> None:
    login(page, live_server, user.username, PASSWORD)


def _totals(page: Page, live_server: LiveServer) -> dict[str, int]:
    page.goto(f"{live_server.url}/office/publicity/dashboard/")
    values = {}
    for name in ("printed", "acks"):
        values[name] = int(page.get_by_test_id(f"total-{name}").inner_text().replace(",", ""))
    return values


def _qr_url(pdf: bytes, tmp_path: Path) -> str:
    """Render the PDF's first page and decode its QR code, as a reader's phone would."""
    source = tmp_path / "leaflet.pdf"
    source.write_bytes(pdf)
    subprocess.run(  # noqa: S603
        ["/usr/bin/pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(source), str(tmp_path / "page")],
        check=True,
    )
    png = next(tmp_path.glob("page*.png"))
    shutil.copy(png, screenshot_dir() / "publicity-leaflet-page1.png")
    decoded = subprocess.run(["/usr/bin/zbarimg", "--raw", "-q", str(png)], check=True, capture_output=True, text=True)  # noqa: S603
    return decoded.stdout.strip()


def screenshot_dir() -> Path:
    from .conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def test_interpretation_from_county_draft_to_portal_feed_wechat_leaflet_and_dashboard(
    page: Page, live_server: LiveServer, people: dict[str, Any]
) -> None:
    base = live_server.url

    # The publicity team's dashboard before anything happens.
    _login_as(page, live_server, people["team"])
    before = _totals(page, live_server)
    logout(page, live_server)

    # 1. The 曹县 editor drafts the interpretation and submits it.
    _login_as(page, live_server, people["cao_editor"])
    page.goto(f"{base}/office/publicity/new/")
    page.locator("#id_kind").select_option(ContentKind.INTERPRETATION)
    page.locator("#id_title").fill(TITLE)
    page.locator("#id_summary").fill("200万元以下的货物和服务采购项目原则上全部预留给中小企业。")
    page.locator("#id_body").fill(
        "一、预留份额：适宜由中小企业提供的项目，200万元以下全部预留。\n\n二、价格扣除：小微企业报价扣除10%–20%。"
    )
    page.locator("#id_cover").set_input_files(str(_cover(people["tmp"])))
    page.locator("#id_documents").select_option(str(people["document"].pk))
    for channel in (Channel.WEBSITE, Channel.FEED, Channel.WECHAT):
        page.locator(f"input[name=channels][value={channel}]").check()
    page.locator("main form button[type=submit]").last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    item = Content.objects.get(title=TITLE)
    assert item.region == item.owner.region
    assert item.region.name == "曹县"
    page.get_by_role("button", name=zh("Submit for review")).click()
    expect(page.locator(".status").first).to_have_text(zh("In review (publicity team)"))
    logout(page, live_server)

    # 2. The publicity team passes it with a comment, which is kept.
    _login_as(page, live_server, people["team"])
    page.goto(f"{base}/office/publicity/{item.pk}/")
    page.locator("#id_review-comment").fill("请在解读中注明政策适用范围。已核对文号。")
    page.get_by_role("button", name=zh("Pass to the leaders")).click()
    expect(page.locator(".status").first).to_have_text(zh("Awaiting approval (leader)"))
    expect(page.locator("#q-comments").locator("..")).to_contain_text("请在解读中注明政策适用范围")
    logout(page, live_server)

    # 3. The leader approves it for publication now.
    _login_as(page, live_server, people["leader"])
    page.goto(f"{base}/office/publicity/{item.pk}/")
    page.get_by_role("button", name=zh("Approve")).click()
    expect(page.locator(".status").first).to_have_text(zh("Published"))
    screenshot(page, "publicity-approved")
    logout(page, live_server)

    # 4. On the portal, in the RSS feed, and in the WeChat outbox as a ready package.
    page.goto(f"{base}/publicity/{item.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("main")).to_contain_text("财库〔2020〕46号")
    rss = page.request.get(f"{base}/publicity/feed/rss/")
    assert rss.ok
    assert TITLE in rss.text()
    wechat = ChannelPost.objects.get(content=item, channel=Channel.WECHAT)
    assert wechat.state == PostState.PACKAGE_READY
    assert wechat.posted_at is None
    _login_as(page, live_server, people["cao_editor"])
    page.goto(f"{base}/office/publicity/posts/{wechat.pk}/")
    expect(page.locator("main")).to_contain_text(zh("Package ready to post by hand"))
    expect(page.locator("#package").locator("..")).to_contain_text(TITLE)
    package = page.request.get(f"{base}/office/publicity/posts/{wechat.pk}/package.zip")
    assert package.ok
    assert package.body()[:2] == b"PK"
    screenshot(page, "publicity-wechat-package")

    # 5. An A4 leaflet: its QR code, read from the rendered page, opens the item's page.
    page.goto(f"{base}/office/publicity/{item.pk}/leaflets/")
    page.locator("main form select").first.select_option("a4")
    page.get_by_role("button", name=zh("Generate")).click()
    expect(page.get_by_role("link", name=zh("Download the PDF"))).to_be_visible()
    pdf_href = page.get_by_role("link", name=zh("Download the PDF")).get_attribute("href")
    pdf = page.request.get(f"{base}{pdf_href}")
    assert pdf.ok
    assert pdf.body()[:5] == b"%PDF-"
    url = _qr_url(pdf.body(), people["tmp"])
    assert re.fullmatch(rf"{re.escape(base)}/s/\w+", url), url
    page.goto(url)
    expect(page).to_have_url(f"{base}/publicity/{item.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)

    # 6. 3,000 copies printed.
    page.go_back()
    page.get_by_role("link", name=zh("Record a print run")).click()
    page.locator("#id_copies").fill("3000")
    page.locator("#id_printer").fill("菏泽市印刷厂")
    page.locator("#id_printed_on").fill(clock.now().date().isoformat())
    page.locator("#id_region").select_option(label="曹县")
    page.locator("main form button[type=submit]").last.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(zh("Print run"))
    expect(page.locator("main")).to_contain_text(re.compile(r"3,?000"))
    logout(page, live_server)

    # 7. A supplier acknowledges the open letter.
    _login_as(page, live_server, people["supplier"])
    page.goto(f"{base}/office/open-letter/")
    page.get_by_role("button", name=zh("We have read this letter")).click()
    expect(page.get_by_role("button", name=zh("We have read this letter"))).to_have_count(0)
    logout(page, live_server)

    # 8. The dashboard's totals moved.
    _login_as(page, live_server, people["team"])
    after = _totals(page, live_server)
    screenshot(page, "publicity-dashboard")
    assert after["printed"] == before["printed"] + 3000
    assert after["acks"] == before["acks"] + 1
