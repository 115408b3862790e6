"""Shared fixtures of the publicity app: the people of the editorial workflow, a policy document, a cover
image that fits every channel's crop, and published items (made through the services, like real ones).

People (all with a membership in the right bureau, so scope works as in production):
``city_editor`` (菏泽市财政局), ``cao_editor`` (曹县财政局), ``publicity_reviewer`` (the city bureau's
publicity team), ``leader`` (菏泽市财政局 分管领导), ``supplier_user`` (staff of ``heze["supplier"]``).
Items: ``interpretation`` (a published policy interpretation of 财库〔2020〕46号) and ``open_letter``
(a published open letter to suppliers, on every channel). Helpers: ``make_draft`` and ``publish``.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from PIL import Image

from conftest import AT, make_user
from zhengcai.accounts.models import User
from zhengcai.core.permissions import Role
from zhengcai.policies.models import PolicyDocument
from zhengcai.publicity import services
from zhengcai.publicity.models import Channel, Content, ContentKind


def png_bytes(width: int = 1500, height: int = 1500, color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A real PNG; 1500×1500 is large enough for every channel's crop (2.35:1, 3:4, 16:9, 1:1)."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(data: bytes, name: str = "cover.png") -> io.BytesIO:
    stream = io.BytesIO(data)
    stream.name = name
    return stream


def make_draft(
    editor: User,
    owner: Any,
    *,
    kind: str = ContentKind.ARTICLE,
    title: str = "我市政府采购营商环境持续优化",
    summary: str = "今年以来，我市持续推进政府采购领域营商环境建设。",
    body: str = "今年以来，我市财政部门持续优化政府采购营商环境。\n\n全面推行电子化采购，降低供应商交易成本。",
    documents: list[PolicyDocument] | None = None,
    channels: list[str] | None = None,
    cover: bytes | None = None,
    at: dt.datetime = AT,
) -> Content:
    """A draft through ``content_create`` (revision 1)."""
    return services.content_create(
        kind=kind,
        owner=owner,
        data=services.ContentInput(
            title=title,
            summary=summary,
            body=body,
            document_ids=[d.pk for d in documents or []],
            channels=channels if channels is not None else [Channel.WEBSITE, Channel.FEED],
            cover=upload(cover) if cover else None,
            cover_name="cover.png" if cover else "",
        ),
        actor=editor,
        at=at,
    )


def publish(
    content: Content,
    *,
    editor: User,
    reviewer: User,
    leader: User,
    at: dt.datetime = AT,
    publish_at: dt.datetime | None = None,
) -> Content:
    """Submit, pass and approve (now, or at ``publish_at``): the whole workflow, each step a minute apart."""
    services.content_submit(content=content, actor=editor, at=at)
    services.content_pass(content=content, actor=reviewer, at=at + dt.timedelta(minutes=1))
    services.content_approve(content=content, actor=leader, at=at + dt.timedelta(minutes=2), publish_at=publish_at)
    content.refresh_from_db()
    return content


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Covers are stored under a temporary MEDIA_ROOT, not the developer's var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def city_editor(heze: dict[str, Any]) -> User:
    return make_user(Role.PUBLICITY_EDITOR, heze["city_bureau"], username="city_editor")


@pytest.fixture
def cao_editor(heze: dict[str, Any]) -> User:
    return make_user(Role.PUBLICITY_EDITOR, heze["cao_bureau"], username="cao_editor")


@pytest.fixture
def publicity_reviewer(heze: dict[str, Any]) -> User:
    return make_user(Role.PUBLICITY_REVIEWER, heze["city_bureau"], username="publicity_team")


@pytest.fixture
def leader(heze: dict[str, Any]) -> User:
    return make_user(Role.BUREAU_LEADER, heze["city_bureau"], username="city_leader")


@pytest.fixture
def supplier_user(heze: dict[str, Any]) -> User:
    return make_user(Role.SUPPLIER_STAFF, heze["supplier"], username="supplier_staff_1")


@pytest.fixture
def policy_document(heze: dict[str, Any], city_editor: User) -> PolicyDocument:
    """财库〔2020〕46号, through the policy library's service."""
    from zhengcai.policies.services import DocumentInput, document_create

    return document_create(
        data=DocumentInput(
            title="政府采购促进中小企业发展管理办法",
            number="财库〔2020〕46号",
            level="national",
            doc_type="normative",
            issuer="财政部 工业和信息化部",
            issued_on=dt.date(2020, 12, 18),
            effective_on=dt.date(2021, 1, 1),
            full_text="第一条 为了发挥政府采购的政策功能，促进中小企业健康发展，制定本办法。",
        ),
        actor=city_editor,
        at=AT,
    )


@pytest.fixture
def cover_png() -> bytes:
    return png_bytes()


@pytest.fixture
def interpretation(
    heze: dict[str, Any],
    city_editor: User,
    publicity_reviewer: User,
    leader: User,
    policy_document: PolicyDocument,
) -> Content:
    """A published policy interpretation (city), linked to 财库〔2020〕46号, on the portal and the feed."""
    draft = make_draft(
        city_editor,
        heze["city_bureau"],
        kind=ContentKind.INTERPRETATION,
        title="一图读懂政府采购促进中小企业发展管理办法",
        summary="预留份额、价格评审优惠、降低投标成本：中小企业参与政府采购的主要政策。",
        body="一、预留采购份额。\n\n二、价格评审优惠。\n\n三、降低中小企业参与成本。",
        documents=[policy_document],
    )
    return publish(draft, editor=city_editor, reviewer=publicity_reviewer, leader=leader)


@pytest.fixture
def open_letter(
    heze: dict[str, Any], city_editor: User, publicity_reviewer: User, leader: User, cover_png: bytes
) -> Content:
    """A published open letter to suppliers (city-wide), on every channel, with a cover."""
    draft = make_draft(
        city_editor,
        heze["city_bureau"],
        kind=ContentKind.OPEN_LETTER,
        title="致全市供应商的一封信",
        summary="菏泽市财政局致全市政府采购供应商：优化营商环境，欢迎监督。",
        body="各位供应商朋友：\n\n感谢您对我市政府采购工作的支持。我们将持续优化营商环境，保障中小企业款项支付。\n\n菏泽市财政局",
        cover=cover_png,
    )
    return publish(draft, editor=city_editor, reviewer=publicity_reviewer, leader=leader)
