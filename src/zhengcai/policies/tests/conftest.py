"""Fixtures of the policy library's tests: editors in the city and in Cao county, files in a temporary
media folder, and a document factory that goes through the services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import AT, make_user
from zhengcai.accounts.models import User
from zhengcai.core.permissions import Role
from zhengcai.policies.models import PolicyDocument
from zhengcai.policies.services import DocumentInput, document_create


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def editor(heze: dict[str, Any]) -> User:
    return make_user(Role.PUBLICITY_EDITOR, heze["city_bureau"], username="city_editor")


@pytest.fixture
def cao_editor(heze: dict[str, Any]) -> User:
    return make_user(Role.PUBLICITY_EDITOR, heze["cao_bureau"], username="cao_editor")


def document_input(**overrides: Any) -> DocumentInput:
    fields: dict[str, Any] = {
        "title": "政府采购促进中小企业发展管理办法",
        "number": "财库〔2020〕46号",
        "level": "national",
        "doc_type": "normative",
        "issuer": "财政部 工业和信息化部",
        "issued_on": dt.date(2020, 12, 18),
        "effective_on": dt.date(2021, 1, 1),
        "full_text": "第一条 为了发挥政府采购政策功能，促进中小企业发展，制定本办法。第九条 价格扣除。",
        "summary": "预留份额、价格评审优惠",
    }
    fields.update(overrides)
    return DocumentInput(**fields)


@pytest.fixture
def make_document(editor: User) -> Callable[..., PolicyDocument]:
    def make(*, actor: User | None = None, at: dt.datetime = AT, **overrides: Any) -> PolicyDocument:
        return document_create(data=document_input(**overrides), actor=actor or editor, at=at)

    return make
