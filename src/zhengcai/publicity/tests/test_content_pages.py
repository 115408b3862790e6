"""The back-office pages (work lists, form, item, history), the public portal, the open letter and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import AT, make_user
from zhengcai.accounts.models import User
from zhengcai.core import clock
from zhengcai.core.permissions import Role
from zhengcai.policies.models import PolicyDocument
from zhengcai.publicity import services
from zhengcai.publicity.models import Content, ContentKind, ContentStatus, LetterAcknowledgement

from .conftest import make_draft, png_bytes, publish, upload

pytestmark = pytest.mark.django_db
MIN = dt.timedelta(minutes=1)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    return response.content.decode()


# --- the work list --------------------------------------------------------------------------------


def test_work_list_starts_each_role_on_its_own_queue(
    heze: dict[str, Any], city_editor: User, publicity_reviewer: User, leader: User
) -> None:
    draft = make_draft(city_editor, heze["city_bureau"], title="待审核的稿件")
    services.content_submit(content=draft, actor=city_editor, at=AT)
    mine = make_draft(city_editor, heze["city_bureau"], title="编辑手上的稿件")
    team = client_for(publicity_reviewer).get("/office/publicity/")
    assert team.status_code == 200
    assert team.context["tab"] == "review"
    assert "待审核的稿件" in text(team)
    assert "编辑手上的稿件" not in text(team)
    assert team.context["counts"].review == 1
    editor = client_for(city_editor).get("/office/publicity/")
    assert editor.context["tab"] == "mine"
    assert mine.title in text(editor)
    assert "待审核的稿件" not in text(editor)
    boss = client_for(leader).get("/office/publicity/")
    assert boss.context["tab"] == "approval"
    assert boss.context["counts"].approval == 0
    assert "暂无待您审批的稿件" in text(boss)  # the empty state says what will appear here


def test_work_list_filters_by_kind_region_status_and_words(
    heze: dict[str, Any], city_editor: User, cao_editor: User, interpretation: Content
) -> None:
    make_draft(cao_editor, heze["cao_bureau"], title="曹县政府采购宣传周")
    client = client_for(city_editor)
    by_region = client.get("/office/publicity/", {"tab": "all", "region": heze["cao"].pk})
    assert [c.title for c in by_region.context["page"].object_list] == ["曹县政府采购宣传周"]
    by_kind = client.get("/office/publicity/", {"tab": "all", "kind": ContentKind.INTERPRETATION})
    assert [c.pk for c in by_kind.context["page"].object_list] == [interpretation.pk]
    by_status = client.get("/office/publicity/", {"tab": "all", "status": ContentStatus.PUBLISHED})
    assert [c.pk for c in by_status.context["page"].object_list] == [interpretation.pk]
    by_words = client.get("/office/publicity/", {"tab": "all", "q": "宣传周"})
    assert [c.title for c in by_words.context["page"].object_list] == ["曹县政府采购宣传周"]


def test_work_list_query_count_does_not_grow_with_the_items(
    heze: dict[str, Any], city_editor: User, django_assert_max_num_queries: Any
) -> None:
    client = client_for(city_editor)
    for i in range(3):
        make_draft(city_editor, heze["city_bureau"], title=f"稿件{i}")
    client.get("/office/publicity/?tab=all")  # warm the session and the caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get("/office/publicity/?tab=all").status_code == 200
    for i in range(3, 15):
        make_draft(city_editor, heze["city_bureau"], title=f"稿件{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/office/publicity/?tab=all")
    assert len(response.context["page"].object_list) == 15


def test_county_editor_sees_only_the_county(heze: dict[str, Any], city_editor: User, cao_editor: User) -> None:
    city = make_draft(city_editor, heze["city_bureau"], title="市局稿件")
    make_draft(cao_editor, heze["cao_bureau"], title="曹县稿件")
    client = client_for(cao_editor)
    listed = client.get("/office/publicity/?tab=all")
    assert "曹县稿件" in text(listed)
    assert "市局稿件" not in text(listed)
    for path in ("", "edit/", "history/", "cover/"):
        assert client.get(f"/office/publicity/{city.pk}/{path}").status_code == 404
    assert client.post(f"/office/publicity/{city.pk}/submit/").status_code == 404
    city.refresh_from_db()
    assert city.status == ContentStatus.DRAFT
    # the county editor's region choices are the county only
    choices = [pk for pk, _label in listed.context["form"].fields["region"].choices if pk]
    assert choices == [heze["cao"].pk]


# --- create and edit ------------------------------------------------------------------------------


def test_new_item_form_saves_a_draft_with_cover_and_documents(
    heze: dict[str, Any], city_editor: User, policy_document: PolicyDocument
) -> None:
    client = client_for(city_editor)
    page = client.get("/office/publicity/new/?kind=interpretation")
    assert page.status_code == 200
    assert page.context["form"]["kind"].value() == "interpretation"
    response = client.post(
        "/office/publicity/new/",
        {
            "kind": "interpretation",
            "title": "政策解读：预留份额",
            "summary": "面向中小企业的预留份额政策。",
            "body": "第一段。\r\n\r\n第二段。",
            "documents": [policy_document.pk],
            "channels": ["website", "feed"],
            "cover": upload(png_bytes(800, 600)),
            "note": "初稿",
        },
    )
    content = Content.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/office/publicity/{content.pk}/"
    assert content.body == "第一段。\n\n第二段。"
    assert list(content.documents.all()) == [policy_document]
    assert content.cover.name
    item = client.get(response["Location"])
    assert item.status_code == 200
    assert "政策解读：预留份额" in text(item)
    assert client.get(f"/office/publicity/{content.pk}/cover/")["Content-Type"] == "image/png"


def test_form_keeps_the_input_and_names_the_rule_on_errors(heze: dict[str, Any], city_editor: User) -> None:
    client = client_for(city_editor)
    long_title = "超长标题" * 31  # 124 characters
    response = client.post(
        "/office/publicity/new/",
        {"kind": "article", "title": long_title, "summary": "摘要保留", "body": "正文保留", "channels": ["website"]},
    )
    assert response.status_code == 400
    page = text(response)
    assert long_title in page
    assert "摘要保留" in page
    assert "正文保留" in page
    errors = response.context["form"].errors["title"]
    assert "124" in errors[0]
    assert "120" in errors[0]
    assert not Content.objects.exists()


def test_editing_a_published_item_via_the_form_keeps_the_portal_on_the_live_revision(
    interpretation: Content, city_editor: User
) -> None:
    client = client_for(city_editor)
    form = client.get(f"/office/publicity/{interpretation.pk}/edit/")
    assert form.status_code == 200
    assert form.context["form"]["base_revision"].value() == 1
    data = {
        "title": "一图读懂（修订中）",
        "summary": interpretation.summary,
        "body": interpretation.body,
        "documents": [d.pk for d in interpretation.documents.all()],
        "channels": interpretation.channels,
        "base_revision": 1,
    }
    assert client.post(f"/office/publicity/{interpretation.pk}/edit/", data).status_code == 302
    interpretation.refresh_from_db()
    assert interpretation.status == ContentStatus.DRAFT
    assert interpretation.title == "一图读懂（修订中）"
    public = Client().get(f"/publicity/{interpretation.pk}/")
    assert public.status_code == 200
    assert "一图读懂政府采购促进中小企业发展管理办法" in text(public)
    assert "修订中" not in text(public)
    # a second save from the same (now stale) form is refused, the input kept, then accepted knowingly
    data["title"] = "另一个人的修改"
    stale = client.post(f"/office/publicity/{interpretation.pk}/edit/", data)
    assert stale.status_code == 400
    assert "另一个人的修改" in text(stale)
    assert stale.context["form"]["base_revision"].value() == "2"


# --- the workflow through the item page -----------------------------------------------------------


def test_item_page_offers_each_role_its_actions_and_runs_them(
    heze: dict[str, Any], city_editor: User, publicity_reviewer: User, leader: User
) -> None:
    content = make_draft(city_editor, heze["city_bureau"])
    editor, team, boss = client_for(city_editor), client_for(publicity_reviewer), client_for(leader)
    assert "提交审核" in text(editor.get(f"/office/publicity/{content.pk}/"))
    assert editor.post(f"/office/publicity/{content.pk}/submit/").status_code == 302
    page = team.get(f"/office/publicity/{content.pk}/")
    assert page.context["actions"]["review_pass"] is True
    assert page.context["actions"]["approve"] is False
    returned = team.post(f"/office/publicity/{content.pk}/review/", {"decision": "return", "review-comment": ""})
    assert returned.status_code == 400  # a return needs a comment
    assert returned.context["review_form"].errors["comment"]
    assert (
        team.post(
            f"/office/publicity/{content.pk}/review/", {"decision": "pass", "review-comment": "同意"}
        ).status_code
        == 302
    )
    past = timezone.localtime(clock.now() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    refused = boss.post(
        f"/office/publicity/{content.pk}/approve/",
        {"decision": "approve", "approve-publish_at": past, "approve-comment": "同意发布"},
    )
    assert refused.status_code == 400
    assert refused.context["approve_form"].errors["publish_at"]
    assert "同意发布" in text(refused)  # the comment is kept
    later = timezone.localtime(clock.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert (
        boss.post(
            f"/office/publicity/{content.pk}/approve/", {"decision": "approve", "approve-publish_at": later}
        ).status_code
        == 302
    )
    content.refresh_from_db()
    assert content.status == ContentStatus.SCHEDULED
    assert timezone.localtime(content.publish_at).strftime("%Y-%m-%dT%H:%M") == later
    assert team.get(f"/office/publicity/{content.pk}/approve/").status_code == 403  # GET on an action


def test_item_page_lists_what_blocks_submission(heze: dict[str, Any], city_editor: User) -> None:
    content = make_draft(city_editor, heze["city_bureau"], kind=ContentKind.INTERPRETATION)
    page = client_for(city_editor).get(f"/office/publicity/{content.pk}/")
    assert page.context["problems"]
    refused = client_for(city_editor).post(f"/office/publicity/{content.pk}/submit/")
    assert refused.status_code == 400
    assert refused.context["action_errors"]


def test_leader_withdraws_through_the_page(interpretation: Content, leader: User) -> None:
    client = client_for(leader)
    assert client.post(f"/office/publicity/{interpretation.pk}/withdraw/", {"withdraw-reason": ""}).status_code == 400
    response = client.post(f"/office/publicity/{interpretation.pk}/withdraw/", {"withdraw-reason": "内容过时"})
    assert response.status_code == 302
    assert Client().get(f"/publicity/{interpretation.pk}/").status_code == 404


# --- history and rollback -------------------------------------------------------------------------


def test_history_shows_each_revision_and_a_character_diff(interpretation: Content, city_editor: User) -> None:
    latest = interpretation.latest_revision
    assert latest is not None
    services.content_update(
        content=interpretation,
        data=services.ContentInput(
            title=latest.title,
            summary=latest.summary,
            body=latest.body.replace("价格评审优惠", "价格扣除优惠"),
            document_ids=latest.document_ids,
            channels=latest.channels,
            note="术语统一",
        ),
        actor=city_editor,
        at=AT + dt.timedelta(hours=1),
    )
    page = client_for(city_editor).get(f"/office/publicity/{interpretation.pk}/history/")
    assert page.status_code == 200
    html = text(page)
    assert "<del>评审</del>" in html
    assert "<ins>扣除</ins>" in html
    assert "术语统一" in html
    body = next(d for d in page.context["diff"] if d.name == "body")
    title = next(d for d in page.context["diff"] if d.name == "title")
    assert body.changed
    assert not title.changed
    compare = client_for(city_editor).get(f"/office/publicity/{interpretation.pk}/history/?a=2&b=1")
    assert compare.context["old"].number == 2
    assert compare.context["new"].number == 1


def test_diff_escapes_html(heze: dict[str, Any], city_editor: User) -> None:
    from zhengcai.publicity.selectors import text_diff

    assert text_diff("<b>旧</b>", "<script>新</script>") == (
        "&lt;<del>b</del><ins>script</ins>&gt;<del>旧</del><ins>新</ins>&lt;/<del>b</del><ins>script</ins>&gt;"
    )


def test_restore_through_the_history_page(interpretation: Content, city_editor: User) -> None:
    latest = interpretation.latest_revision
    assert latest is not None
    services.content_update(
        content=interpretation,
        data=services.ContentInput(title="误改的标题", body=latest.body, channels=latest.channels),
        actor=city_editor,
        at=AT + dt.timedelta(hours=1),
    )
    client = client_for(city_editor)
    response = client.post(f"/office/publicity/{interpretation.pk}/history/1/restore/", {"note": "误改恢复"})
    assert response.status_code == 302
    interpretation.refresh_from_db()
    assert interpretation.title == latest.title
    assert interpretation.latest_revision is not None
    assert interpretation.latest_revision.restored_from_id == latest.pk
    assert client.post(f"/office/publicity/{interpretation.pk}/history/9/restore/").status_code == 404


# --- the portal -----------------------------------------------------------------------------------


def test_portal_lists_published_items_only_and_searches_chinese(
    heze: dict[str, Any], city_editor: User, interpretation: Content, open_letter: Content
) -> None:
    make_draft(city_editor, heze["city_bureau"], title="尚未发布的中小企业稿件")
    client = Client()
    page = client.get("/publicity/")
    assert page.status_code == 200
    assert {c.pk for c in page.context["page"].object_list} == {interpretation.pk, open_letter.pk}
    assert "尚未发布" not in text(page)
    found = client.get("/publicity/", {"q": "中小企业 预留"})
    assert [c.pk for c in found.context["page"].object_list] == [interpretation.pk]
    assert [c.pk for c in client.get("/publicity/", {"q": "电子化"}).context["page"].object_list] == []
    by_kind = client.get("/publicity/", {"kind": "open_letter"})
    assert [c.pk for c in by_kind.context["page"].object_list] == [open_letter.pk]
    by_county = client.get("/publicity/", {"region": heze["cao"].pk})
    assert list(by_county.context["page"].object_list) == []
    fragment = client.get("/publicity/", {"q": "中小企业"}, HTTP_HX_REQUEST="true")
    assert "<html" not in text(fragment)
    assert "一图读懂政府采购促进中小企业发展管理办法" in text(fragment)


def test_portal_search_reads_the_live_text_not_a_pending_edit(interpretation: Content, city_editor: User) -> None:
    latest = interpretation.latest_revision
    assert latest is not None
    services.content_update(
        content=interpretation,
        data=services.ContentInput(title="全新标题绿色采购", body=latest.body, channels=latest.channels),
        actor=city_editor,
        at=AT + dt.timedelta(hours=1),
    )
    client = Client()
    assert list(client.get("/publicity/", {"q": "绿色采购"}).context["page"].object_list) == []
    assert len(client.get("/publicity/", {"q": "一图读懂"}).context["page"].object_list) == 1


def test_portal_list_query_count_is_flat(
    heze: dict[str, Any],
    city_editor: User,
    publicity_reviewer: User,
    leader: User,
    django_assert_max_num_queries: Any,
) -> None:
    for i in range(6):
        publish(
            make_draft(city_editor, heze["city_bureau"], title=f"新闻{i}"),
            editor=city_editor,
            reviewer=publicity_reviewer,
            leader=leader,
        )
    with django_assert_max_num_queries(4):
        response = Client().get("/publicity/")
    assert len(response.context["page"].object_list) == 6


def test_portal_item_shows_the_live_revision_with_its_documents(
    interpretation: Content, policy_document: PolicyDocument
) -> None:
    response = Client().get(f"/publicity/{interpretation.pk}/")
    assert response.status_code == 200
    html = text(response)
    assert "财库〔2020〕46号" in html
    assert "一、预留采购份额。" in html


def test_portal_item_is_404_unless_published(
    heze: dict[str, Any], city_editor: User, interpretation: Content, leader: User
) -> None:
    draft = make_draft(city_editor, heze["city_bureau"])
    client = Client()
    assert client.get(f"/publicity/{draft.pk}/").status_code == 404
    assert client.get(f"/publicity/{draft.pk}/cover/").status_code == 404
    services.content_withdraw(content=interpretation, reason="过时", actor=leader, at=AT + dt.timedelta(hours=1))
    assert client.get(f"/publicity/{interpretation.pk}/").status_code == 404
    assert client.get(f"/api/v1/publicity/items/{interpretation.pk}").status_code == 404


def test_portal_cover_is_the_live_revisions(open_letter: Content) -> None:
    response = Client().get(f"/publicity/{open_letter.pk}/cover/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]


def test_portal_navigation_links_the_publicity_pages(client: Client) -> None:
    assert 'href="/publicity/"' in text(client.get("/about/"))


# --- the open letter ------------------------------------------------------------------------------


def test_supplier_reads_and_acknowledges_the_open_letter_once(
    open_letter: Content, supplier_user: User, heze: dict[str, Any]
) -> None:
    client = client_for(supplier_user)
    home = client.get("/office/")
    assert home.context["open_letter"] == open_letter
    assert "/office/open-letter/" in text(home)
    page = client.get("/office/open-letter/")
    assert page.status_code == 200
    assert page.context["ack"] is None
    assert "致全市供应商的一封信" in text(page)
    assert client.post("/office/open-letter/").status_code == 302
    again = client.post("/office/open-letter/", follow=True)
    assert LetterAcknowledgement.objects.filter(content=open_letter, supplier=heze["supplier"]).count() == 1
    messages = [str(m) for m in again.context["messages"]]
    assert any("已于" in m and "无需再次确认" in m for m in messages)
    assert client.get("/office/").context["open_letter"] is None  # the prompt is gone
    colleague = make_user(Role.SUPPLIER_STAFF, heze["supplier"], username="colleague_of_supplier")
    assert client_for(colleague).get("/office/").context["open_letter"] is None  # once per company


def test_open_letter_pages_without_a_letter_say_so(supplier_user: User) -> None:
    office = client_for(supplier_user).get("/office/open-letter/")
    assert office.context["letter"] is None
    assert "目前没有致供应商的一封信" in text(office)
    public = Client().get("/publicity/open-letter/")
    assert public.status_code == 200
    assert public.context["letter"] is None


def test_public_open_letter_page(open_letter: Content) -> None:
    response = Client().get("/publicity/open-letter/")
    assert response.context["letter"] == open_letter
    assert "各位供应商朋友" in text(response)


def test_editor_home_links_the_work_list_with_counts(
    heze: dict[str, Any], city_editor: User, publicity_reviewer: User
) -> None:
    make_draft(city_editor, heze["city_bureau"])
    home = client_for(city_editor).get("/office/")
    assert home.context["publicity_counts"].mine == 1
    assert "/office/publicity/?tab=mine" in text(home)
    team_home = client_for(publicity_reviewer).get("/office/")
    assert "/office/publicity/?tab=review" in text(team_home)


# --- the API --------------------------------------------------------------------------------------


def test_api_lists_published_items_publicly_and_paginated(
    heze: dict[str, Any], city_editor: User, interpretation: Content, open_letter: Content
) -> None:
    make_draft(city_editor, heze["city_bureau"])
    body = Client().get("/api/v1/publicity/items").json()
    assert body["count"] == 2
    titles = {i["title"] for i in body["items"]}
    assert titles == {"一图读懂政府采购促进中小企业发展管理办法", "致全市供应商的一封信"}
    letter = next(i for i in body["items"] if i["kind"] == "open_letter")
    assert letter["cover_url"] == f"/publicity/{open_letter.pk}/cover/"
    assert letter["revision"] == 1
    assert Client().get("/api/v1/publicity/items?kind=interpretation").json()["count"] == 1
    assert Client().get("/api/v1/publicity/items?q=预留份额").json()["count"] == 1


def test_api_item_detail_has_the_live_body_and_documents(interpretation: Content) -> None:
    body = Client().get(f"/api/v1/publicity/items/{interpretation.pk}").json()
    assert body["body"].startswith("一、预留采购份额")
    assert [d["number"] for d in body["documents"]] == ["财库〔2020〕46号"]


def test_api_acknowledges_the_letter_once(open_letter: Content, supplier_user: User, interpretation: Content) -> None:
    client = client_for(supplier_user)
    path = f"/api/v1/publicity/letters/{open_letter.pk}/acknowledge"
    first = client.post(path, {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="ack-1")
    assert first.status_code == 201
    assert first.json()["supplier"] == "菏泽鑫源办公设备有限公司"
    replay = client.post(path, {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="ack-1")
    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    second = client.post(path, {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="ack-2")
    assert second.status_code == 409
    assert second.json()["code"] == "publicity.letter.already_acknowledged"
    other = client.post(
        f"/api/v1/publicity/letters/{interpretation.pk}/acknowledge",
        {},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="ack-3",
    )
    assert other.status_code == 400
    assert other.json()["code"] == "publicity.letter.not_a_letter"
