"""Demo responsibility chain of Heze (营商环境评价责任体系): governments, positions, holders, the year's tasks.

Organizations: 菏泽市人民政府 and each district's/county's people's government (kind GOVERNMENT).
Positions: 菏泽市市长; each district/county head (区长/县长) under the mayor; 菏泽市财政局局长 under the mayor and
each county's 财政局局长 under its head; the 政府采购管理科科长 of every finance bureau under its director; the
heads of a few city budget units (菏泽市教育局 first) under the city's section head.
Holders (names marked 演示数据) and logins (the demo password): ``mayor`` (the mayor, GOVERNMENT_LEADER at
菏泽市人民政府), ``caohead`` (曹县县长, at 曹县人民政府), ``gov<code>`` for the other heads; the existing demo
logins ``leader`` (city bureau director), ``reviewer`` (city section head) and ``purchaser`` (菏泽市教育局);
county directors and section heads use the service desk's ``svc<code>d`` / ``svc<code>k`` where they exist,
else ``chain<code>d`` / ``chain<code>k``.
Tasks of the year (through the services, so audited and notified): the mayor's targets to every head and the
city director — 向中小企业付款天数 ≤ 30 and 中小企业合同金额占比 ≥ 75 % — broken down to the directors and
the section heads, with progress reports; two counties' section heads are overdue.

Idempotent: existing organizations, positions, holders and accounts are reused; tasks are added only when the
mayor has assigned none.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from zhengcai.accounts.models import Membership, User
from zhengcai.accounts.services import membership_create, user_create
from zhengcai.core.permissions import Role
from zhengcai.evaluation import chain
from zhengcai.evaluation.models import Position, Task
from zhengcai.organizations.models import Organization, OrganizationKind, Region
from zhengcai.organizations.regions import DISTRICTS_AND_COUNTIES
from zhengcai.organizations.services import organization_create

ACTOR = "seed_demo"
DEMO = "（演示数据）"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["建华", "志强", "秀英", "海燕", "国栋", "立新", "文静", "振东", "红梅", "晓东", "卫国", "丽娟"]
OVERDUE_COUNTIES = ("371721", "371722")  # 曹县, 单县: their section heads are behind


def _name(i: int) -> str:
    return f"{SURNAMES[i % len(SURNAMES)]}{GIVEN[(i * 7) % len(GIVEN)]}{DEMO}"


class _Seeder:
    def __init__(self, *, at: dt.datetime, password: str) -> None:
        self.at = at
        self.password = password
        self.start = at - dt.timedelta(days=150)  # the chain was set up, and the year's targets given, then
        self.counts = {"organizations": 0, "positions": 0, "holders": 0, "logins": 0, "tasks": 0, "reports": 0}

    # --- building blocks -------------------------------------------------------------------------------------
    def government(self, region: Region) -> Organization:
        name = f"{region.name}人民政府"
        org = Organization.objects.filter(kind=OrganizationKind.GOVERNMENT, name=name).first()
        if org is None:
            org = organization_create(
                kind=OrganizationKind.GOVERNMENT, name=name, region=region, actor=ACTOR, at=self.start
            )
            self.counts["organizations"] += 1
        return org

    def login(self, username: str, display: str, role: Role, org: Organization | None) -> User | None:
        user = User.objects.filter(username=username).first()
        if user is None:
            if org is None:
                return None
            user = user_create(
                username=username,
                password=self.password,
                email=f"{username}@demo.zhengcai.invalid",
                display_name=display,
                actor=ACTOR,
                at=self.start,
            )
            self.counts["logins"] += 1
        if org is not None and not Membership.objects.filter(user=user, organization=org, role=role).exists():
            membership_create(user=user, organization=org, role=role, actor=ACTOR, at=self.start)
        return user

    def position(
        self, title: str, level: str, region: Region, parent: Position | None, org: Organization | None
    ) -> Position:
        found = Position.objects.filter(title=title, region=region).first()
        if found is not None:
            return found
        self.counts["positions"] += 1
        return chain.position_create(
            title=title, level=level, region=region, parent=parent, organization=org, actor=ACTOR, at=self.start
        )

    def hold(self, position: Position, name: str, user: User | None) -> None:
        if position.holders.exists():
            return
        chain.holder_appoint(
            position=position,
            name=name,
            user=user,
            start_on=timezone.localtime(self.start).date(),
            actor=ACTOR,
            at=self.start,
        )
        self.counts["holders"] += 1

    def assign(self, by: Position, to: Position, title: str, due: dt.date, at: dt.datetime, **kw: Any) -> Task | None:
        holder = chain.current_holder(by)
        if holder is None or holder.user is None or chain.current_holder(to) is None:
            return None
        self.counts["tasks"] += 1
        return chain.task_assign(assigned_by=by, position=to, title=title, due_on=due, actor=holder.user, at=at, **kw)

    def report(self, task: Task | None, percent: int, note: str, at: dt.datetime, value: str | None = None) -> None:
        if task is None:
            return
        holder = chain.current_holder(task.position)
        if holder is None or holder.user is None:
            return
        chain.task_report(
            task=task,
            percent=percent,
            note=note,
            value=Decimal(value) if value is not None else None,
            actor=holder.user,
            at=at,
        )
        self.counts["reports"] += 1


def seed_evaluation_chain(*, at: dt.datetime, password: str) -> dict[str, int]:
    """Seed the chain as of ``at`` (the demo's "now"); returns what was added (all zero on a second run)."""
    s = _Seeder(at=at, password=password)
    city = Region.objects.filter(parent__isnull=True, level="city").order_by("sort").first()
    if city is None:
        return s.counts
    kinds = {code: kind for code, _n, _e, kind in DISTRICTS_AND_COUNTIES}
    counties = [r for r in Region.objects.filter(parent=city).order_by("sort") if r.code in kinds]

    def org(name: str) -> Organization | None:
        return Organization.objects.filter(name=name).first()

    # the city
    city_gov = s.government(city)
    mayor = s.position(f"{city.name}市长", "mayor", city, None, city_gov)
    s.hold(mayor, f"张为民{DEMO}", s.login("mayor", "张为民（市长）", Role.GOVERNMENT_LEADER, city_gov))
    city_bureau = org(f"{city.name}财政局")
    city_director = s.position(f"{city.name}财政局局长", "bureau_director", city, mayor, city_bureau)
    s.hold(city_director, f"冯志远{DEMO}", s.login("leader", "冯志远（分管副局长）", Role.BUREAU_LEADER, None))
    city_dept = org(f"{city.name}财政局政府采购管理科")
    city_section = s.position(f"{city.name}财政局政府采购管理科科长", "section_head", city, city_director, city_dept)
    s.hold(city_section, f"李静{DEMO}", s.login("reviewer", "李静（政府采购管理科）", Role.BUREAU_REVIEWER, None))
    units = list(
        Organization.objects.filter(kind=OrganizationKind.BUDGET_UNIT, region=city)
        .exclude(name=f"{city.name}教育局")
        .order_by("pk")[:2]
    )
    education = org(f"{city.name}教育局")
    unit_posts: list[Position] = []
    for i, unit in enumerate([u for u in [education, *units] if u is not None]):
        post = s.position(f"{unit.name}负责人", "unit_head", city, city_section, unit)
        user = s.login("purchaser", "刘强（市教育局）", Role.PURCHASER_STAFF, None) if unit == education else None
        s.hold(post, f"刘强{DEMO}" if unit == education else _name(40 + i), user)
        unit_posts.append(post)

    # the districts and counties
    heads: dict[str, Position] = {}
    directors: dict[str, Position] = {}
    sections: dict[str, Position] = {}
    for i, region in enumerate(counties):
        gov = s.government(region)
        head_title = "区长" if kinds[region.code] == "district" else "县长"
        head = s.position(f"{region.name}{head_title}", "county_head", region, mayor, gov)
        username = "caohead" if region.code == "371721" else f"gov{region.code}"
        s.hold(
            head,
            _name(i),
            s.login(username, f"{_name(i)[:3]}（{region.name}{head_title}）", Role.GOVERNMENT_LEADER, gov),
        )
        bureau = org(f"{region.name}财政局")
        director = s.position(f"{region.name}财政局局长", "bureau_director", region, head, bureau)
        d_user = User.objects.filter(username=f"svc{region.code}d").first() or s.login(
            f"chain{region.code}d", f"{_name(10 + i)[:3]}（{region.name}财政局局长）", Role.BUREAU_LEADER, bureau
        )
        s.hold(director, _name(10 + i), d_user)
        dept = org(f"{region.name}财政局政府采购管理科")
        section = s.position(f"{region.name}财政局政府采购管理科科长", "section_head", region, director, dept)
        k_user = User.objects.filter(username=f"svc{region.code}k").first() or s.login(
            f"chain{region.code}k", f"{_name(20 + i)[:3]}（{region.name}政府采购管理科）", Role.BUREAU_REVIEWER, dept
        )
        s.hold(section, _name(20 + i), k_user)
        heads[region.code], directors[region.code], sections[region.code] = head, director, section

    if Task.objects.filter(assigned_by=mayor).exists():
        return s.counts
    _tasks(s, mayor, city_director, city_section, unit_posts, heads, directors, sections)
    return s.counts


def _tasks(
    s: _Seeder,
    mayor: Position,
    city_director: Position,
    city_section: Position,
    unit_posts: list[Position],
    heads: dict[str, Position],
    directors: dict[str, Position],
    sections: dict[str, Position],
) -> None:
    today = timezone.localtime(s.at).date()
    year = today.year
    year_end = max(dt.date(year, 12, 31), today + dt.timedelta(days=30))
    t0 = s.start + dt.timedelta(days=3)
    director_due = today + dt.timedelta(days=5)
    section_due = today - dt.timedelta(days=20)  # past: done where reported 100 %, else overdue

    def targets(
        by: Position,
        to: Position,
        where: str,
        at: dt.datetime,
        parent: dict[str, Task | None] | None = None,
        due: dt.date = year_end,
    ) -> dict[str, Task | None]:
        p = parent or {}
        return {
            "pay": s.assign(
                by,
                to,
                f"{year}年{where}向中小企业付款天数≤30日",
                due,
                at,
                description="合同约定付款期限不超过30日，逐笔核查逾期付款并督促整改。",
                indicator="days_to_pay_sme",
                target=Decimal("30"),
                parent=p.get("pay"),
            ),
            "sme": s.assign(
                by,
                to,
                f"{year}年{where}中小企业合同金额占比≥75%",
                due,
                at,
                description="落实预留份额和价格评审优惠，提高中小企业合同金额占比。",
                indicator="sme_award_share",
                target=Decimal("75"),
                parent=p.get("sme"),
            ),
        }

    city_tasks = targets(mayor, city_director, "市本级", t0)
    s.report(
        city_tasks["pay"], 60, "已建立逾期付款台账，市直单位平均付款天数降至26日。", s.at - dt.timedelta(days=40), "26"
    )
    s.report(city_tasks["sme"], 70, "预留份额项目已覆盖市直主要采购单位。", s.at - dt.timedelta(days=35), "72.4")
    city_sub = targets(city_director, city_section, "市本级", t0 + dt.timedelta(days=2), city_tasks, director_due)
    s.report(city_sub["pay"], 80, "完成1—10月付款核查，督办逾期付款5笔。", s.at - dt.timedelta(days=20), "25")
    if unit_posts:
        unit_task = s.assign(
            city_section,
            unit_posts[0],
            f"{year}年合同签订后30日内付款",
            director_due,
            t0 + dt.timedelta(days=5),
            description="本单位政府采购合同付款周期不超过30日。",
            indicator="days_to_pay_sme",
            target=Decimal("30"),
            parent=city_sub["pay"],
        )
        s.report(unit_task, 90, "已付清全部到期合同款项，仅1笔因验收未完成暂缓。", s.at - dt.timedelta(days=10), "22")

    for i, (code, head) in enumerate(heads.items()):
        where = head.region.name
        head_tasks = targets(mayor, head, where, t0)
        dir_tasks = targets(head, directors[code], where, t0 + dt.timedelta(days=2), head_tasks, director_due)
        sec_task = s.assign(
            directors[code],
            sections[code],
            f"{year}年{where}逾期付款合同逐月核查督办",
            section_due,
            t0 + dt.timedelta(days=4),
            description="每月核查已验收未付款合同，对超过30日的逐笔督办。",
            indicator="days_to_pay_sme",
            target=Decimal("30"),
            parent=dir_tasks["pay"],
        )
        behind = code in OVERDUE_COUNTIES
        s.report(sec_task, 40, "已完成上半年合同核查，发现逾期付款合同若干。", s.at - dt.timedelta(days=90), None)
        if behind:
            s.report(sec_task, 70, "部分单位资金未到位，逾期合同尚未全部清理。", s.at - dt.timedelta(days=30), "38")
        else:
            s.report(sec_task, 100, "逾期付款合同已全部督办完毕。", s.at - dt.timedelta(days=25), str(24 + i % 5))
        s.report(
            dir_tasks["pay"], 50 if behind else 80, "正按月通报各预算单位付款情况。", s.at - dt.timedelta(days=15)
        )
        s.report(
            head_tasks["pay"],
            50 if behind else 75,
            "已召开专题会议部署清理拖欠中小企业账款。",
            s.at - dt.timedelta(days=12),
        )
        s.report(head_tasks["sme"], 60 + (i % 4) * 10, "预留份额政策已在县直单位落实。", s.at - dt.timedelta(days=8))
