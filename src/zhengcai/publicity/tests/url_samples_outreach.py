"""Samples of the leaflet, event and reach-dashboard URLs for the permission matrix, and the small builders
the outreach tests share (a published item, a policy document), both through the owning apps' services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from conftest import make_user
from zhengcai.core.permissions import Role
from zhengcai.organizations.models import Organization
from zhengcai.policies.models import PolicyDocument

BODY = (
    "一、为什么要预留采购份额\n"
    "政府采购工程、货物和服务，应当通过预留采购份额、价格评审优惠、优先采购等措施，提高中小企业在政府采购中的份额。\n"
    "二、怎样享受价格评审优惠\n"
    "对于经主管预算单位统筹后未预留份额专门面向中小企业采购的采购项目，对小微企业报价给予10%—20%的扣除，用扣除后的价格参加评审。"
)


def library_document(
    *, number: str, title: str, actor: Any, at: dt.datetime, issued_on: dt.date = dt.date(2020, 12, 18)
) -> PolicyDocument:
    """A national normative document in the policy library (through its service)."""
    from zhengcai.policies.services import DocumentInput, document_create

    return document_create(
        data=DocumentInput(
            title=title,
            number=number,
            level="national",
            doc_type="normative",
            issuer="财政部 工业和信息化部",
            issued_on=issued_on,
            effective_on=issued_on,
            full_text=title,
        ),
        actor=actor,
        at=at,
    )


def published_item(
    *,
    owner: Organization,
    editor: Any,
    reviewer: Any,
    leader: Any,
    at: dt.datetime,
    title: str = "政府采购促进中小企业发展政策解读",
    summary: str = "预留份额、价格扣除、信用担保，中小企业参与政府采购的三项支持措施。",
    body: str = BODY,
    documents: Iterable[PolicyDocument] = (),
    kind: str = "interpretation",
) -> Any:
    """An item written, reviewed, approved and published through the content workflow (a minute per step)."""
    from zhengcai.publicity import services

    content = services.content_create(
        kind=kind,
        owner=owner,
        data=services.ContentInput(
            title=title,
            summary=summary,
            body=body,
            document_ids=[d.pk for d in documents],
            channels=["website", "feed"],
        ),
        actor=editor,
        at=at,
    )
    services.content_submit(content=content, actor=editor, at=at)
    services.content_pass(content=content, actor=reviewer, at=at + dt.timedelta(minutes=1))
    services.content_approve(content=content, actor=leader, at=at + dt.timedelta(minutes=2))
    content.refresh_from_db()
    return content


def ensure_outreach(o: dict[str, Any]) -> dict[str, Any]:
    """An interpretation with an A4 leaflet, a print run, a planned event that has started (so it can be
    marked held) and a held one, made once per test through the services."""
    if "leaflet" in o:
        return o
    from zhengcai.publicity import outreach

    editor = make_user(Role.PUBLICITY_EDITOR, o["city_bureau"], username="matrix_publicity")
    reviewer = make_user(Role.PUBLICITY_REVIEWER, o["city_bureau"], username="matrix_publicity_team")
    leader = make_user(Role.BUREAU_LEADER, o["city_bureau"], username="matrix_publicity_leader")
    now = timezone.now()
    earlier = now - dt.timedelta(days=3)
    later = earlier + dt.timedelta(hours=1)
    number = "财库〔2020〕46号"  # other samples may have put it in the library already
    document = PolicyDocument.objects.filter(number=number).first() or library_document(
        number=number, title="政府采购促进中小企业发展管理办法", actor=editor, at=earlier
    )
    item = published_item(
        owner=o["city_bureau"], editor=editor, reviewer=reviewer, leader=leader, at=earlier, documents=[document]
    )
    leaflet = outreach.leaflet_generate(content=item, format="a4", actor=editor, at=later)
    run = outreach.print_run_record(
        leaflet=leaflet,
        copies=500,
        printer="菏泽新华印刷厂",
        printed_on=timezone.localtime(later).date(),
        region=o["city"],
        actor=editor,
        at=later,
    )
    planned = outreach.event_create(
        kind="hall_desk",
        title="交易大厅政策咨询台",
        region=o["city"],
        place="菏泽市公共资源交易中心一楼大厅",
        starts_at=now - dt.timedelta(hours=2),
        ends_at=now + dt.timedelta(hours=2),
        actor=editor,
        at=earlier,
    )
    held = outreach.event_create(
        kind="meetup",
        title="中小企业政府采购政策宣讲会",
        region=o["city"],
        place="菏泽市财政局三楼会议室",
        starts_at=earlier,
        ends_at=earlier + dt.timedelta(hours=2),
        documents=[document],
        actor=editor,
        at=earlier - dt.timedelta(days=1),
    )
    outreach.event_status_set(event=held, status="held", actor=editor, at=now)
    o.update({"publicity_item": item, "leaflet": leaflet, "run": run, "planned_event": planned, "held_event": held})
    return o


def _call(method: str, path: str, data: dict[str, Any] | None = None) -> Any:
    from zhengcai.core.tests.test_permission_matrix import Call

    return Call(method, path, data)


OUTREACH_URL_SAMPLES: dict[str, Any] = {
    "publicity:leaflet_list": lambda o, u: _call("GET", "/office/publicity/leaflets/"),
    "publicity:item_leaflets": lambda o, u: _call(
        "GET", f"/office/publicity/{ensure_outreach(o)['publicity_item'].pk}/leaflets/"
    ),
    "publicity:leaflet_generate": lambda o, u: _call(
        "POST", f"/office/publicity/{ensure_outreach(o)['publicity_item'].pk}/leaflets/generate/", {"format": "a4"}
    ),
    "publicity:leaflet": lambda o, u: _call("GET", f"/office/publicity/leaflets/{ensure_outreach(o)['leaflet'].pk}/"),
    "publicity:leaflet_pdf": lambda o, u: _call(
        "GET", f"/office/publicity/leaflets/{ensure_outreach(o)['leaflet'].pk}/pdf/"
    ),
    "publicity:print_run_new": lambda o, u: _call(
        "GET", f"/office/publicity/leaflets/{ensure_outreach(o)['leaflet'].pk}/runs/new/"
    ),
    "publicity:print_run": lambda o, u: _call("GET", f"/office/publicity/runs/{ensure_outreach(o)['run'].pk}/"),
    "publicity:distribution_new": lambda o, u: _call(
        "GET", f"/office/publicity/runs/{ensure_outreach(o)['run'].pk}/distribute/"
    ),
    "publicity:events": lambda o, u: _call("GET", "/office/publicity/events/"),
    "publicity:event_new": lambda o, u: _call("GET", "/office/publicity/events/new/"),
    "publicity:event": lambda o, u: _call("GET", f"/office/publicity/events/{ensure_outreach(o)['held_event'].pk}/"),
    "publicity:event_status": lambda o, u: _call(
        "POST", f"/office/publicity/events/{ensure_outreach(o)['planned_event'].pk}/status/", {"status": "held"}
    ),
    "publicity:event_attendance": lambda o, u: _call(
        "GET", f"/office/publicity/events/{ensure_outreach(o)['held_event'].pk}/attendance/"
    ),
    "publicity:dashboard": lambda o, u: _call("GET", "/office/publicity/dashboard/"),
    "publicity:dashboard_xlsx": lambda o, u: _call("GET", "/office/publicity/dashboard.xlsx"),
}
