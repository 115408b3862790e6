"""Demo counterpart service desk: a year (December 2025 – November 2026) of the bureau's 对口服务.

People: in every finance bureau, the 政府采购管理科 and 国库科 each have a handler and a section head (科长), and
the bureau a director (分管副局长); in the city the demo logins ``reviewer`` (handler) and ``leader`` (director)
take their places, in 曹县 ``caoxian`` (handler). The new people log in with the demo password:
``svc<division code><h|k|t|g|d>`` (h handler and k section head of 政府采购管理科, t and g of 国库科, d director),
e.g. ``svc371700k`` (the city's 政府采购管理科 科长).

Pairings: every budget unit is paired from 2025-12-01 with its bureau's 政府采购管理科 (two in three) or 国库科;
on 2026-06-01 the city's 国库科 gets a new handler (the change is recorded on 2026-05-25, so the units' pairing
history shows it). Each unit is paired with the agencies and suppliers it bought from (its projects' agencies,
its contracts' suppliers). Every region has a default handler. The security-refund service level is tightened
from 5 to 3 working days from 2026-07-01.

Requests: suppliers (about their tenders, contracts and payments), agencies and budget units file requests in
every category on working days; most are answered and resolved in time and rated; some are answered late and
escalated to the section head, a few to the director; some are reopened, some withdrawn, some resolved and never
rated (the tick closes them); the last days' are still open. The service desk's tick runs every working morning
(escalations, closing), with digests in the last three working days. Handlers propose FAQ entries from resolved
questions; the city's administrator publishes most, returns one, withdraws one, and leaves two waiting.

All of it through the services (routing, rules, audit, notifications); deterministic (seeded random). Safe to
run again: it stops at once when a pairing already exists.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from zhengcai.accounts.models import Membership, User
from zhengcai.accounts.services import membership_create, user_create
from zhengcai.core import calendar
from zhengcai.core.permissions import Role
from zhengcai.organizations.models import Organization, OrganizationKind, Region
from zhengcai.procurement.models import Bid, Contract
from zhengcai.service import faq, pairings, rules, services
from zhengcai.service.models import (
    Category,
    DepartmentPairing,
    FaqEntry,
    RequestStatus,
    ServiceRequest,
)
from zhengcai.service.tick import service_tick

from . import data

ACTOR = "seed_demo"
START = dt.date(2025, 12, 1)
TODAY = dt.date(2026, 11, 25)
DEMO_PASSWORD = "Heze-demo-2026"  # the seed_demo default (ZC_DEMO_PASSWORD overrides both)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = [
    "建华",
    "秀英",
    "志强",
    "丽娟",
    "海燕",
    "国庆",
    "晓东",
    "春梅",
    "立新",
    "红霞",
    "文博",
    "雪莲",
    "明辉",
    "玉兰",
    "振宇",
]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


NOW = _at(TODAY, 17, 0)


# --- people -----------------------------------------------------------------------------------------------


@dataclass
class Chain:
    department: Organization
    handler: User
    section_head: User
    director: User

    def kwargs(self) -> dict[str, Any]:
        return {
            "department": self.department,
            "handler": self.handler,
            "section_head": self.section_head,
            "director": self.director,
        }


@dataclass
class Bureau:
    region: Region
    procurement: Chain  # 政府采购管理科
    treasury: Chain  # 国库科


def _person(
    username: str, display: str, organization: Organization, role: Role, title: str, password: str, at: dt.datetime
) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(
            username=username,
            password=password,
            email=f"{username}@demo.zhengcai.invalid",
            display_name=display,
            actor=ACTOR,
            at=at,
        )
    if not Membership.objects.filter(user=user, organization=organization, role=role).exists():
        membership_create(user=user, organization=organization, role=role, title=title, actor=ACTOR, at=at)
    return user


def _bureaus(regions: list[Region], rng: random.Random, password: str, at: dt.datetime) -> list[Bureau]:
    out = []
    for region in regions:
        bureau = Organization.objects.get(kind=OrganizationKind.FINANCE_BUREAU, region=region)
        purchasing = Organization.objects.get(parent=bureau, name=f"{bureau.name}政府采购管理科")
        treasury = Organization.objects.get(parent=bureau, name=f"{bureau.name}国库科")

        def name(role: str, region: Region = region) -> str:
            return f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}（{region.name}{role}）"

        code = region.code
        director = (
            User.objects.get(username="leader")
            if region.is_city
            else _person(f"svc{code}d", name("分管副局长"), bureau, Role.BUREAU_LEADER, "分管副局长", password, at)
        )
        if region.is_city:
            handler = User.objects.get(username="reviewer")
        elif code == "371721":
            handler = User.objects.get(username="caoxian")
        else:
            handler = _person(
                f"svc{code}h", name("采购科经办"), purchasing, Role.BUREAU_REVIEWER, "对口服务经办人", password, at
            )
        head = _person(f"svc{code}k", name("采购科科长"), purchasing, Role.BUREAU_REVIEWER, "科长", password, at)
        t_handler = _person(
            f"svc{code}t", name("国库科经办"), treasury, Role.BUREAU_REVIEWER, "对口服务经办人", password, at
        )
        t_head = _person(f"svc{code}g", name("国库科科长"), treasury, Role.BUREAU_REVIEWER, "科长", password, at)
        out.append(
            Bureau(region, Chain(purchasing, handler, head, director), Chain(treasury, t_handler, t_head, director))
        )
    return out


# --- pairings ---------------------------------------------------------------------------------------------


def _pairings(bureaus: list[Bureau], admin: User, rng: random.Random, at: dt.datetime) -> dict[str, int]:
    counts = {"pairings": 0, "partners": 0}
    for bureau in bureaus:
        pairings.default_route_set(
            region=bureau.region, valid_from=START, actor=admin, at=at, **bureau.procurement.kwargs()
        )
        units = Organization.objects.filter(kind=OrganizationKind.BUDGET_UNIT, region=bureau.region).order_by("id")
        for i, unit in enumerate(units):
            chain = bureau.treasury if i % 3 == 2 else bureau.procurement
            pairings.department_pair(unit=unit, valid_from=START, actor=admin, at=at, **chain.kwargs())
            counts["pairings"] += 1
    # Each unit and the agencies and suppliers it bought from (through the procurement records).
    partners: dict[int, dict[int, Organization]] = {}
    for contract in Contract.objects.select_related("project__purchaser", "project__agency", "supplier").order_by(
        "id"
    ):
        unit = contract.project.purchaser
        found = partners.setdefault(unit.pk, {})
        for org in (contract.supplier, contract.project.agency):
            if org is not None and len(found) < 8:
                found.setdefault(org.pk, org)
    by_id = {u.pk: u for u in Organization.objects.filter(pk__in=partners)}
    for unit_id, found in partners.items():
        unit = by_id[unit_id]
        for partner in found.values():
            pairings.partner_pair(
                unit=unit,
                partner=partner,
                unit_contact=f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}",
                unit_phone=f"0530-{rng.randint(5000000, 8999999)}",
                partner_contact=partner.contact_name or f"{rng.choice(SURNAMES)}经理",
                partner_phone=partner.contact_phone or f"13{rng.randint(100000000, 999999999)}",
                valid_from=START,
                actor=admin,
                at=at,
            )
            counts["partners"] += 1
    return counts


def _rotate_treasury_handler(bureau: Bureau, admin: User, password: str) -> Callable[[], None]:
    """From 2026-06-01 the city's 国库科 has a new handler; the old one becomes the section head's deputy."""

    def act() -> None:
        at = _at(dt.date(2026, 5, 25), 10)
        newcomer = _person(
            "svc371700t2",
            "孙雅琴（菏泽市国库科经办）",
            bureau.treasury.department,
            Role.BUREAU_REVIEWER,
            "对口服务经办人",
            password,
            at,
        )
        rows = DepartmentPairing.objects.filter(department=bureau.treasury.department, valid_to__isnull=True)
        for row in rows.select_related("budget_unit").order_by("id"):
            pairings.department_pair(
                unit=row.budget_unit,
                department=row.department,
                handler=newcomer,
                section_head=row.section_head,
                director=row.director,
                valid_from=dt.date(2026, 6, 1),
                note="国库科人员调整",
                actor=admin,
                at=at,
            )

    return act


def _tighten_refunds(admin: User) -> Callable[[], None]:
    def act() -> None:
        pairings.service_level_set(
            category=Category.SECURITY_REFUND,
            first_response_wd=1,
            resolution_wd=3,
            reopen_days=7,
            escalation_step_wd=1,
            effective_from=dt.date(2026, 7, 1),
            note="菏财采〔2026〕12号：保证金退还问题3个工作日内办结",
            actor=admin,
            at=_at(dt.date(2026, 6, 20), 10),
        )

    return act


# --- requests ---------------------------------------------------------------------------------------------

TEXTS: dict[str, list[tuple[str, str, str, str]]] = {
    # category: [(subject, description, reply, resolution)]; {title} {number} {unit} are filled in
    Category.PAYMENT_DELAY: [
        (
            "合同款逾期未支付",
            "我公司承接的{title}（项目编号{number}）已验收合格，按合同约定应在30日内付款，至今尚未收到款项，请协调采购人尽快支付。",
            "已联系{unit}财务部门核实支付进度，正在办理支付审批手续。",
            "经协调，{unit}已完成支付审批并拨付合同款，请注意查收。",
        ),
        (
            "尾款支付进度咨询",
            "{title}（项目编号{number}）已履约完毕，想了解尾款支付的时间安排。",
            "已向{unit}了解，尾款将在本月集中支付时一并拨付。",
            "尾款已于本周拨付到贵公司账户。",
        ),
    ],
    Category.SECURITY_REFUND: [
        (
            "投标保证金逾期未退还",
            "我公司参加了{title}（项目编号{number}）的投标，结果公告已发布超过5个工作日，投标保证金尚未退还。",
            "已通知采购人和代理机构核查保证金退还情况。",
            "代理机构已将投标保证金原路退还，请查收。",
        ),
        (
            "保证金退还进度咨询",
            "请问{title}（项目编号{number}）未中标供应商的投标保证金何时退还？",
            "已转代理机构核实，正在办理退还。",
            "保证金已按规定在5个工作日内退还完毕。",
        ),
    ],
    Category.PLATFORM_USE: [
        (
            "CA数字证书无法识别",
            "插入数字证书后平台提示无法识别，无法登录投标。",
            "已转平台运维人员处理，请保持电话畅通。",
            "经远程协助，已重新安装证书驱动，证书识别正常。",
        ),
        (
            "投标文件上传失败",
            "上传加密投标文件时多次提示失败，文件约80MB。",
            "已记录问题，运维人员将与您联系。",
            "经排查为网络超时，已指导分卷上传并成功提交。",
        ),
        (
            "单位信息变更后无法登录",
            "单位名称变更后，原账号登录提示信息不一致。",
            "请提供变更后的营业执照扫描件。",
            "已完成单位信息变更审核，账号恢复正常。",
        ),
    ],
    Category.POLICY_QUESTION: [
        (
            "中小企业声明函如何填写",
            "请问中小企业声明函中从业人员、营业收入按什么口径填写？",
            "正在核实相关政策口径。",
            "按照《中小企业划型标准规定》填写上一年度数据，新成立企业按实际情况填写。",
        ),
        (
            "信用良好能否免收投标保证金",
            "我单位近三年无失信记录，参加投标是否可以免交投标保证金？",
            "已收到，正在核实贵单位信用记录。",
            "根据我市政策，信用良好的供应商免收投标保证金，投标时平台自动判定并说明理由。",
        ),
        (
            "政采贷申请条件咨询",
            "中标后想申请政府采购合同融资，需要什么条件？",
            "已转合作银行了解具体产品要求。",
            "凭已签订的政府采购合同即可在平台向合作银行申请，无需抵押，银行线上审批。",
        ),
        (
            "采购意向公开时间要求",
            "采购意向需要提前多久公开？",
            "正在整理相关规定。",
            "采购意向应在采购活动开始前30日公开，内容包括项目名称、需求概况、预算金额和预计采购时间。",
        ),
    ],
    Category.CONDUCT_COMPLAINT: [
        (
            "答疑回复不及时",
            "对{title}（项目编号{number}）的招标文件提出疑问后，代理机构多日未答复。",
            "已约谈代理机构了解情况。",
            "已责令代理机构限期答复并纳入年度考核，感谢您的监督。",
        ),
    ],
    Category.OTHER: [
        (
            "政府采购培训报名咨询",
            "请问今年的供应商业务培训如何报名？",
            "已转培训组。",
            "培训通知已在平台发布，可在工作台“培训”栏目在线报名。",
        ),
        (
            "合同公告更正",
            "已公告的合同信息中联系人电话有误，如何更正？",
            "请提供更正说明。",
            "已指导采购人发布合同更正公告。",
        ),
    ],
}
FAQS: list[tuple[str, str, str]] = [  # (category, question, answer)
    (
        Category.POLICY_QUESTION,
        "中小企业声明函中的从业人员和营业收入按什么口径填写？",
        "按照《中小企业划型标准规定》，填写上一年度末从业人员和上一年度营业收入；新成立企业按填报时的实际情况填写。",
    ),
    (
        Category.POLICY_QUESTION,
        "信用良好的供应商可以免交投标保证金吗？",
        "可以。近三年无严重失信记录的供应商参加我市政府采购活动免收投标保证金，平台在投标时自动判定并说明理由。",
    ),
    (
        Category.PLATFORM_USE,
        "投标时数字证书无法识别怎么办？",
        "请卸载旧版证书驱动后重新安装平台提供的驱动，重新插入证书；仍无法识别的，可在工作台提交服务请求，运维人员远程协助。",
    ),
    (
        Category.POLICY_QUESTION,
        "采购意向应提前多久公开？",
        "采购意向应在采购活动开始前30日公开，包括采购项目名称、采购需求概况、预算金额和预计采购时间。",
    ),
    (
        Category.POLICY_QUESTION,
        "中标后如何申请政府采购合同融资（政采贷）？",
        "凭已签订的政府采购合同，在平台向合作银行提出申请，无需抵押担保，合同款支付到银行指定的还款账户。",
    ),
    (
        Category.SECURITY_REFUND,
        "投标保证金什么时候退还？",
        "未中标供应商的投标保证金在中标通知书发出后5个工作日内退还，中标供应商的在合同签订后5个工作日内退还。",
    ),
    (
        Category.PLATFORM_USE,
        "加密投标文件上传失败怎么办？",
        "一般为网络超时所致，请使用有线网络并分卷上传；截止时间前可多次上传，以最后一次为准。",
    ),
    (
        Category.PLATFORM_USE,
        "单位名称变更后如何更新平台信息？",
        "在工作台提交变更申请并上传新的营业执照，财政部门审核通过后自动更新。",
    ),
    (
        Category.OTHER,
        "合同签订后多久公告？",
        "采购人应在合同签订之日起2个工作日内公告政府采购合同。",
    ),
    (
        Category.PAYMENT_DELAY,
        "验收合格后多久支付中小企业款项？",
        "采购人应自货物、服务交付并验收合格之日起30日内支付中小企业款项，合同另有约定的最长不超过60日。",
    ),
    (
        Category.SECURITY_REFUND,
        "电子保函可以代替现金保证金吗？",
        "可以。投标保证金和履约保证金均可以银行、担保机构出具的电子保函提交，平台可在线验证真伪。",
    ),
    (
        Category.POLICY_QUESTION,
        "对招标文件有疑问应如何提出？",
        "应在招标文件规定的时间内以书面形式向采购人或代理机构提出，采购人应在7个工作日内答复。",
    ),
    (
        Category.OTHER,
        "如何报名参加供应商业务培训？",
        "培训通知在平台发布后，可在工作台“培训”栏目在线报名，培训结束后可下载电子证书。",
    ),
    (
        Category.POLICY_QUESTION,
        "预留份额项目对供应商有什么要求？",
        "预留给中小企业的项目，供应商须提供中小企业声明函；联合体或分包方式参加的，小微企业的合同份额应达到规定比例。",
    ),
    (
        Category.OTHER,
        "合同公告信息有误如何更正？",
        "由采购人发布合同更正公告，说明更正事项和理由。",
    ),
]


@dataclass(order=True)
class Event:
    at: dt.datetime
    seq: int
    act: Callable[[], None] = field(compare=False)


@dataclass
class Requester:
    org: Organization
    user: User
    tenders: list[Any] = field(default_factory=list)  # (tender, deadline) the org bid in
    contracts: list[Contract] = field(default_factory=list)


def _requesters() -> dict[str, list[Requester]]:
    memberships = (
        Membership.objects.filter(
            is_active=True, role__in=[Role.SUPPLIER_STAFF, Role.PURCHASER_STAFF, Role.AGENCY_STAFF]
        )
        .select_related("user", "organization")
        .order_by("organization_id", "id")
    )
    by_org: dict[int, Requester] = {}
    for m in memberships:
        by_org.setdefault(m.organization_id, Requester(m.organization, m.user))
    for bid in Bid.objects.filter(supplier_id__in=by_org).select_related("tender__project").order_by("id"):
        requester = by_org[bid.supplier_id]
        if all(t.pk != bid.tender_id for t in requester.tenders):
            requester.tenders.append(bid.tender)
    for contract in Contract.objects.filter(supplier_id__in=by_org).select_related("project").order_by("id"):
        by_org[contract.supplier_id].contracts.append(contract)
    groups: dict[str, list[Requester]] = {"supplier": [], "unit": [], "agency": []}
    for requester in by_org.values():
        kind = requester.org.kind
        key = {"supplier": "supplier", "budget_unit": "unit"}.get(kind, "agency")
        groups[key].append(requester)
    return groups


def _workdays() -> list[dt.date]:
    days, day = [], START
    while day < TODAY:
        if calendar.is_workday(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _later(moment: dt.datetime, working_days: int, rng: random.Random) -> dt.datetime:
    """Some time on the n-th working day after ``moment`` (the same day, a few hours later, for n = 0)."""
    if working_days <= 0:
        return moment + dt.timedelta(hours=rng.randint(1, 4), minutes=rng.randint(0, 59))
    day = calendar.add_working_days(timezone.localtime(moment).date(), working_days)
    return _at(day, rng.randint(9, 16), rng.randint(0, 59))


@dataclass
class Planned:
    at: dt.datetime
    requester: Requester
    category: str
    texts: tuple[str, str, str, str]
    link: dict[str, Any]
    fill: dict[str, str]
    outcome: str


OUTCOMES = [
    ("ok", 62),
    ("unrated", 10),
    ("late", 12),
    ("very_late", 5),
    ("reopened", 4),
    ("withdrawn", 4),
    ("note", 3),
]


def _choose(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([k for k, _w in weighted], weights=[w for _k, w in weighted])[0]


def _plan(groups: dict[str, list[Requester]], rng: random.Random, n: int) -> list[Planned]:
    days = _workdays()
    plans: list[Planned] = []
    suppliers = [r for r in groups["supplier"] if r.tenders or r.contracts]
    for _ in range(n):
        day = rng.choice(days)
        at = _at(day, rng.randint(8, 17), rng.choice([0, 10, 20, 30, 40, 50]))
        kind = _choose(rng, [("supplier", 70), ("unit", 20), ("agency", 10)])
        pool = suppliers if kind == "supplier" else groups[kind]
        if not pool:
            continue
        requester = rng.choice(pool)
        if kind == "supplier":
            category = _choose(
                rng,
                [
                    (Category.PAYMENT_DELAY, 25),
                    (Category.SECURITY_REFUND, 25),
                    (Category.PLATFORM_USE, 20),
                    (Category.POLICY_QUESTION, 20),
                    (Category.CONDUCT_COMPLAINT, 4),
                    (Category.OTHER, 6),
                ],
            )
        else:
            category = _choose(
                rng, [(Category.PLATFORM_USE, 35), (Category.POLICY_QUESTION, 45), (Category.OTHER, 20)]
            )
        link: dict[str, Any] = {}
        fill = {"title": "", "number": "", "unit": "采购人"}
        if category == Category.PAYMENT_DELAY:
            signed = [c for c in requester.contracts if c.signed_on + dt.timedelta(days=30) < day]
            if not signed:
                category = Category.POLICY_QUESTION
            else:
                contract = rng.choice(signed)
                payments = [p for p in contract.payments.all() if p.paid_on < day]
                if payments and rng.random() < 0.3:
                    link["payment_id"] = rng.choice(payments).pk
                else:
                    link["contract"] = contract.project.number
                fill = {"title": contract.project.title, "number": contract.project.number, "unit": "采购人"}
        if category in (Category.SECURITY_REFUND, Category.CONDUCT_COMPLAINT):
            closed = [
                t for t in requester.tenders if timezone.localtime(t.deadline).date() + dt.timedelta(days=10) < day
            ]
            if not closed:
                category = Category.PLATFORM_USE
            else:
                tender = rng.choice(closed)
                link["tender"] = tender.project.number
                fill = {"title": tender.project.title, "number": tender.project.number, "unit": "采购人"}
        texts = rng.choice(TEXTS[category])
        recent = (TODAY - day).days <= 12
        outcome = (
            _choose(rng, [("open_new", 30), ("open_progress", 40), ("unrated", 30)])
            if recent
            else _choose(rng, OUTCOMES)
        )
        plans.append(Planned(at, requester, category, texts, link, fill, outcome))
    # The last days always show every open state: new (one already overdue), in progress, resolved awaiting a rating.
    for back, outcome in (
        (0, "open_new"),
        (1, "open_new"),
        (3, "open_new"),
        (2, "open_progress"),
        (4, "open_progress"),
        (3, "unrated"),
        (5, "unrated"),
    ):
        pool = groups["unit"] or groups["agency"] or suppliers
        if pool:
            requester = rng.choice(pool)
            texts = rng.choice(TEXTS[Category.POLICY_QUESTION])
            fill = {"title": "", "number": "", "unit": "采购人"}
            at = _at(days[-1 - back], 9 + back, 15)
            plans.append(Planned(at, requester, Category.POLICY_QUESTION, texts, {}, fill, outcome))
    plans.sort(key=lambda p: p.at)
    return plans


def _request_events(
    i: int, plan: Planned, state: dict[int, Any], rng: random.Random
) -> list[tuple[dt.datetime, Callable[[], None]]]:
    subject, description, reply, resolution = plan.texts
    fill = plan.fill
    acts: list[tuple[dt.datetime, Callable[[], None]]] = []

    def submit() -> None:
        state[i] = services.request_submit(
            organization=plan.requester.org,
            data=services.RequestInput(
                category=plan.category, subject=subject, description=description.format(**fill), **plan.link
            ),
            actor=plan.requester.user,
            at=plan.at,
        )

    acts.append((plan.at, submit))
    outcome = plan.outcome
    if outcome == "open_new":
        return acts
    if outcome == "withdrawn":
        when = plan.at + dt.timedelta(hours=rng.randint(1, 20))
        acts.append(
            (
                when,
                lambda: _if_open(
                    state,
                    i,
                    lambda r: services.request_withdraw(
                        request=r, reason="问题已自行解决", actor=plan.requester.user, at=when
                    ),
                ),
            )
        )
        return acts
    reply_wd = {"late": 2, "very_late": 3}.get(outcome, rng.choice([0, 0, 1]))
    reply_at = _later(plan.at, reply_wd, rng)
    if outcome == "note":
        note_at = plan.at + dt.timedelta(minutes=30)
        acts.append(
            (
                note_at,
                lambda: _if_open(
                    state,
                    i,
                    lambda r: services.request_reply(
                        request=r, body="内部：已电话联系请求人了解详情。", internal=True, actor=r.handler, at=note_at
                    ),
                ),
            )
        )
    acts.append(
        (
            reply_at,
            lambda: _if_open(
                state,
                i,
                lambda r: services.request_reply(request=r, body=reply.format(**fill), actor=r.handler, at=reply_at),
            ),
        )
    )
    if outcome == "open_progress":
        return acts
    in_time = min(rules.DEFAULT_LEVELS[plan.category][1], 3 if plan.category == Category.SECURITY_REFUND else 60)
    resolve_wd = {"very_late": reply_wd + 12, "late": reply_wd + rng.randint(0, 2)}.get(
        outcome, rng.randint(reply_wd, max(reply_wd, in_time - 1))
    )
    resolve_at = max(_later(plan.at, resolve_wd, rng), reply_at + dt.timedelta(minutes=20))
    acts.append(
        (
            resolve_at,
            lambda: _if_open(
                state,
                i,
                lambda r: services.request_resolve(
                    request=r, resolution=resolution.format(**fill), actor=r.handler, at=resolve_at
                ),
            ),
        )
    )
    last = resolve_at
    if outcome == "reopened":
        reopen_at = resolve_at + dt.timedelta(days=rng.randint(1, 3), hours=2)
        again_at = _later(reopen_at, 2, rng)
        acts.append(
            (
                reopen_at,
                lambda: _if_status(
                    state,
                    i,
                    RequestStatus.RESOLVED,
                    lambda r: services.request_reopen(
                        request=r, reason="问题仍未完全解决，请再协调。", actor=plan.requester.user, at=reopen_at
                    ),
                ),
            )
        )
        acts.append(
            (
                again_at,
                lambda: _if_open(
                    state,
                    i,
                    lambda r: services.request_resolve(
                        request=r, resolution="已再次协调，问题已彻底解决。", actor=r.handler, at=again_at
                    ),
                ),
            )
        )
        last = again_at
    if outcome in ("ok", "late", "very_late", "reopened", "note"):
        rate_at = last + dt.timedelta(days=rng.randint(0, 3), hours=rng.randint(1, 6))
        rating = {"late": rng.choice([2, 3, 4]), "very_late": rng.choice([1, 2, 3])}.get(
            outcome, rng.choice([4, 5, 5, 5])
        )
        comment = {5: "处理及时，非常满意。", 4: "问题已解决。", 3: "解决了，但用时较长。"}.get(rating, "办理太慢。")
        acts.append(
            (
                rate_at,
                lambda: _if_status(
                    state,
                    i,
                    RequestStatus.RESOLVED,
                    lambda r: services.request_rate(
                        request=r, rating=rating, comment=comment, actor=plan.requester.user, at=rate_at
                    ),
                ),
            )
        )
    return acts


def _if_open(state: dict[int, Any], i: int, act: Callable[[ServiceRequest], Any]) -> None:
    request = state.get(i)
    if request is not None:
        request.refresh_from_db()
        if request.is_open and request.handler is not None:
            act(request)


def _if_status(state: dict[int, Any], i: int, status: str, act: Callable[[ServiceRequest], Any]) -> None:
    request = state.get(i)
    if request is not None:
        request.refresh_from_db()
        if request.status == status:
            act(request)


def _faq_events(
    plans: list[Planned], state: dict[int, Any], admin: User
) -> list[tuple[dt.datetime, Callable[[], None]]]:
    """Handlers propose FAQ entries from resolved questions; the city's administrator reviews them."""
    acts: list[tuple[dt.datetime, Callable[[], None]]] = []
    used: set[int] = set()
    for n, (category, question, answer) in enumerate(FAQS):
        candidates = [
            i
            for i, p in enumerate(plans)
            if p.category == category
            and p.outcome in ("ok", "unrated")
            and p.at.date() < TODAY - dt.timedelta(days=20)
            and i not in used
        ]
        if not candidates:
            continue
        i = candidates[(n * 7) % len(candidates)]
        used.add(i)
        proposed_at = _at(calendar.add_working_days(plans[i].at.date(), 8), 10)
        review_at = proposed_at + dt.timedelta(days=2)
        decision = "wait" if n >= len(FAQS) - 2 else "return" if n == 3 else "withdraw" if n == 5 else "publish"

        def propose(i: int = i, question: str = question, answer: str = answer, at: dt.datetime = proposed_at) -> None:
            request = state.get(i)
            if request is None:
                return
            request.refresh_from_db()
            if request.status in (RequestStatus.RESOLVED, RequestStatus.CLOSED) and request.handler is not None:
                faq.faq_propose(request=request, question=question, answer=answer, actor=request.handler, at=at)

        def review(i: int = i, decision: str = decision, at: dt.datetime = review_at) -> None:
            entry = FaqEntry.objects.filter(source_id=getattr(state.get(i), "pk", None)).first()
            if entry is None or decision == "wait":
                return
            if decision == "return":
                faq.faq_return(entry=entry, note="请补充政策依据的文号。", actor=admin, at=at)
                return
            faq.faq_publish(entry=entry, actor=admin, at=at)
            if decision == "withdraw":
                faq.faq_withdraw(
                    entry=entry, note="政策已调整，待更新后重新发布。", actor=admin, at=at + dt.timedelta(days=30)
                )

        acts.append((proposed_at, propose))
        if proposed_at < NOW - dt.timedelta(days=3):
            acts.append((review_at, review))
    return acts


def _tick(at: dt.datetime, *, digests: bool) -> Callable[[], None]:
    def act() -> None:
        service_tick(at=at, digests=digests)

    return act


def seed_service(*, small: bool = False) -> dict[str, Any]:
    if DepartmentPairing.objects.exists():
        return {}
    rng = random.Random(data.SEED + 70)
    password = os.environ.get("ZC_DEMO_PASSWORD", DEMO_PASSWORD)
    admin = User.objects.get(username="admin")
    setup_at = _at(START, 9)
    regions = list(Region.objects.order_by("sort", "code"))
    bureaus = _bureaus(regions, rng, password, setup_at - dt.timedelta(days=3))
    counts = _pairings(bureaus, admin, rng, setup_at)
    plans = _plan(_requesters(), rng, 150 if small else 600)
    state: dict[int, Any] = {}
    timed: list[tuple[dt.datetime, Callable[[], None]]] = []
    for i, plan in enumerate(plans):
        timed.extend(_request_events(i, plan, state, rng))
    timed.extend(_faq_events(plans, state, admin))
    timed.append((_at(dt.date(2026, 5, 25), 10), _rotate_treasury_handler(bureaus[0], admin, password)))
    timed.append((_at(dt.date(2026, 6, 20), 10), _tighten_refunds(admin)))
    days = _workdays()
    digest_from = days[-3] if len(days) >= 3 else START
    for day in days:
        timed.append((_at(day, 8, 30), _tick(_at(day, 8, 30), digests=day >= digest_from)))
    timed.append((NOW, _tick(NOW, digests=False)))
    events = sorted(Event(at, seq, act) for seq, (at, act) in enumerate(timed) if at <= NOW)
    for event in events:
        event.act()
    by_status = {s: ServiceRequest.objects.filter(status=s).count() for s in RequestStatus.values}
    return {
        **counts,
        "requests": ServiceRequest.objects.count(),
        **by_status,
        "escalated": ServiceRequest.objects.filter(level__gt=0).count(),
        "faq": FaqEntry.objects.count(),
    }
