"""Samples of the content and workflow URLs for the permission matrix (core/tests/test_permission_matrix.py).

``ensure_publicity(objects)`` makes, once per test and through the services, a published open letter to
suppliers (with a cover) and a draft article, both of the city bureau. Action URLs answer a GET with a
redirect to the item page, so a role that may act gets 302 and the others 403/404.
"""

from __future__ import annotations

import io
from typing import Any

from conftest import AT, make_user
from zhengcai.core.permissions import Role
from zhengcai.procurement.tests.url_samples import _call


def ensure_publicity(o: dict[str, Any]) -> dict[str, Any]:
    if "publicity_letter" in o:
        return o
    from PIL import Image

    from zhengcai.publicity import services
    from zhengcai.publicity.models import ContentKind

    editor = make_user(Role.PUBLICITY_EDITOR, o["city_bureau"], username="matrix_content_editor")
    team = make_user(Role.PUBLICITY_REVIEWER, o["city_bureau"], username="matrix_content_team")
    leader = make_user(Role.BUREAU_LEADER, o["city_bureau"], username="matrix_content_leader")
    buffer = io.BytesIO()
    Image.new("RGB", (1500, 1500), (200, 30, 30)).save(buffer, format="PNG")
    buffer.seek(0)
    letter = services.content_create(
        kind=ContentKind.OPEN_LETTER,
        owner=o["city_bureau"],
        data=services.ContentInput(
            title="致全市供应商的一封信",
            summary="菏泽市财政局致全市政府采购供应商。",
            body="各位供应商朋友：\n\n感谢您对我市政府采购工作的支持。",
            cover=buffer,
            cover_name="cover.png",
        ),
        actor=editor,
        at=AT,
    )
    services.content_submit(content=letter, actor=editor, at=AT)
    services.content_pass(content=letter, actor=team, at=AT)
    services.content_approve(content=letter, actor=leader, at=AT)
    draft = services.content_create(
        kind=ContentKind.ARTICLE,
        owner=o["city_bureau"],
        data=services.ContentInput(title="矩阵测试稿件", body="正文", channels=["website"]),
        actor=editor,
        at=AT,
    )
    o.update({"publicity_letter": letter, "publicity_draft": draft})
    return o


def _letter(o: dict[str, Any]) -> int:
    return int(ensure_publicity(o)["publicity_letter"].pk)


def _draft(o: dict[str, Any]) -> int:
    return int(ensure_publicity(o)["publicity_draft"].pk)


def publicity_api_path(path: str, objects: dict[str, Any]) -> str:
    """``{item_id}`` in the content API: the published open letter (an item and a letter at once)."""
    if "{item_id}" in path:
        path = path.replace("{item_id}", str(_letter(objects)))
    return path


CONTENT_URL_SAMPLES: dict[str, Any] = {
    # the portal
    "publicity:list": lambda o, u: _call("GET", "/publicity/?q=供应商"),
    "publicity:open_letter": lambda o, u: _call("GET", "/publicity/open-letter/"),
    "publicity:item": lambda o, u: _call("GET", f"/publicity/{_letter(o)}/"),
    "publicity:cover": lambda o, u: _call("GET", f"/publicity/{_letter(o)}/cover/"),
    # the back office
    "publicity:office_list": lambda o, u: _call("GET", "/office/publicity/"),
    "publicity:office_new": lambda o, u: _call("GET", "/office/publicity/new/"),
    "publicity:office_item": lambda o, u: _call("GET", f"/office/publicity/{_draft(o)}/"),
    "publicity:office_edit": lambda o, u: _call("GET", f"/office/publicity/{_draft(o)}/edit/"),
    "publicity:office_submit": lambda o, u: _call("GET", f"/office/publicity/{_draft(o)}/submit/"),
    "publicity:office_review": lambda o, u: _call("GET", f"/office/publicity/{_draft(o)}/review/"),
    "publicity:office_approve": lambda o, u: _call("GET", f"/office/publicity/{_draft(o)}/approve/"),
    "publicity:office_withdraw": lambda o, u: _call("GET", f"/office/publicity/{_letter(o)}/withdraw/"),
    "publicity:office_history": lambda o, u: _call("GET", f"/office/publicity/{_draft(o)}/history/"),
    "publicity:office_restore": lambda o, u: _call("GET", f"/office/publicity/{_draft(o)}/history/1/restore/"),
    "publicity:office_cover": lambda o, u: _call("GET", f"/office/publicity/{_letter(o)}/cover/"),
    "publicity:letter_office": lambda o, u: _call("GET", "/office/open-letter/"),
}
