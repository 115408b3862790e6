"""Demo training: the bureau's 2026 training year for purchasers and procurement agencies.

- On site in 菏泽市公共资源交易中心 (policy on SME promotion, four sessions of 120 seats, and one still open for
  registration in December) and in every county's trading centre (practice, one session per county);
- live online (operating the e-procurement system, three sessions with their meeting attendance exports
  imported, one to come);
- recorded (the Implementing Regulations, slide decks generated with WeasyPrint at seed time: no media
  files in the repository; there is no ffmpeg, so the recorded course is slides with progress per page).

Most purchasers and agencies of each county register their staff through the bulk sheet path (the same rows
an upload produces), people check in at the door with their signed codes, the live exports are matched and
the recorded course is watched page by page: well over 1,000 people of purchasers and agencies attend in
2026, and coverage varies by county. The demo logins ``agency`` and ``purchaser`` have registrations to
come (a QR code to show) and a recorded course in progress.

All of it through the services (rules, scope, audit); deterministic (seeded random). Safe to run again: it
stops at once when the first course exists.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from zhengcai.accounts.models import Membership, User
from zhengcai.accounts.services import membership_create, user_create
from zhengcai.core.permissions import Role
from zhengcai.organizations.models import Organization, OrganizationKind, Region
from zhengcai.policies.models import PolicyDocument, Tag
from zhengcai.training import checkin, imports, services
from zhengcai.training.models import Audience, Course, CourseMode, Registration, RegistrationStatus, Session

from . import data

ACTOR = "seed_demo"
TODAY = dt.date(2026, 11, 25)
OPENED = dt.date(2026, 1, 5)
FIRST_TITLE = "政府采购促进中小企业发展政策解读"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红梅玉兰文辉鹏飞海燕晓东雪梅春生"
JOBS = ["采购专员", "财务科长", "办公室主任", "资产管理员", "项目经理", "招标专员", "副主任", ""]


def _at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@dataclass
class Org:
    organization: Organization
    registrar: User
    staff: list[services.SheetRow] = field(default_factory=list)


@dataclass
class Plan:
    city: Region
    trainer: User
    orgs: list[Org]
    rng: random.Random
    sessions: dict[str, list[Session]] = field(default_factory=dict)
    phones: int = 13500000000

    def phone(self) -> str:
        self.phones += 1
        return str(self.phones)


def slides_pdf(title: str, headings: list[str]) -> bytes:
    """A slide deck (A4 landscape, one heading per page) with the bundled CJK font."""
    from weasyprint import HTML

    from zhengcai.guarantees.pdf import FONT

    pages = "".join(
        f'<section><p class="n">{i}/{len(headings)}</p><h1>{title}</h1><h2>{h}</h2></section>'
        for i, h in enumerate(headings, start=1)
    )
    html = (
        '<html lang="zh-CN"><head><style>'
        f'@font-face {{ font-family: "ZC Sans SC"; src: url("{FONT.as_uri()}") format("woff2"); }}'
        "@page { size: A4 landscape; margin: 2cm; }"
        'body { font-family: "ZC Sans SC", sans-serif; color: #1d2430; }'
        "section { page-break-after: always; border-top: 12px solid #a61b1b; padding-top: 2cm; }"
        "section:last-child { page-break-after: auto; } h1 { font-size: 20pt; } h2 { font-size: 32pt; }"
        ".n { color: #888; float: right; }"
        f"</style></head><body>{pages}</body></html>"
    )
    return bytes(HTML(string=html).write_pdf())


def _person(rng: random.Random, used: set[str]) -> str:
    while True:
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        if name not in used:
            used.add(name)
            return name


def _registrar(organization: Organization, index: int, at: dt.datetime) -> User:
    """The organization's training contact: the demo login where there is one, else an account that cannot
    log in (the data is about the people trained, not about logins)."""
    role = Role.AGENCY_STAFF if organization.kind == OrganizationKind.AGENCY else Role.PURCHASER_STAFF
    member = (
        Membership.objects.filter(organization=organization, role=role, is_active=True)
        .select_related("user")
        .order_by("id")
        .first()
    )
    if member is not None:
        return member.user
    user = user_create(
        username=f"training_contact_{index}",
        password=None,
        email=f"training{index}@demo.zhengcai.invalid",
        display_name=f"{organization.name}培训联络员",
        actor=ACTOR,
        at=at,
    )
    membership_create(user=user, organization=organization, role=role, title="培训联络员", actor=ACTOR, at=at)
    return user


def _organizations(plan_rng: random.Random, small: bool, at: dt.datetime) -> list[Org]:
    """Most purchasers and agencies of each region, each with a few staff to train (coverage varies)."""
    orgs: list[Org] = []
    regions = list(Region.objects.order_by("sort", "code"))
    demo = set(
        Membership.objects.filter(user__username__in=["purchaser", "agency"]).values_list("organization", flat=True)
    )
    for number, region in enumerate(regions):
        share = 0.95 - 0.03 * number  # the city highest, the last county lowest
        candidates = Organization.objects.filter(
            region=region, kind__in=[OrganizationKind.BUDGET_UNIT, OrganizationKind.AGENCY], status="active"
        ).order_by("kind", "id")
        for organization in candidates:
            if organization.pk not in demo and plan_rng.random() > share:
                continue
            if small and organization.pk not in demo and organization.pk % 10:
                continue
            orgs.append(Org(organization, _registrar(organization, len(orgs) + 1, at)))
    used: set[str] = set()
    for org in orgs:
        agency = org.organization.kind == OrganizationKind.AGENCY
        count = plan_rng.randint(4, 7) if agency else plan_rng.randint(3, 5)
        org.staff = [
            services.SheetRow(row=i + 2, name=_person(plan_rng, used), phone="", job_title=plan_rng.choice(JOBS))
            for i in range(count)
        ]
    return orgs


def _course(plan: Plan, *, title: str, mode: str, description: str, numbers: list[str], topics: list[str]) -> Course:
    return services.course_create(
        data=services.CourseInput(
            title=title,
            mode=mode,
            audience=[Audience.PURCHASER, Audience.AGENCY],
            region=plan.city,
            organizer=Organization.objects.get(kind=OrganizationKind.FINANCE_BUREAU, region=plan.city),
            description=description,
            document_ids=list(PolicyDocument.objects.filter(number__in=numbers).values_list("pk", flat=True)),
            topic_ids=list(Tag.objects.filter(name__in=topics).values_list("pk", flat=True)),
        ),
        actor=plan.trainer,
        at=_at(OPENED - dt.timedelta(days=3)),
    )


def _session(plan: Plan, course: Course, day: dt.date, **kw: Any) -> Session:
    hours = kw.pop("hours", 3)
    start = _at(day, kw.pop("hour", 9))
    return services.session_create(
        course=course,
        data=services.SessionInput(
            starts_at=start,
            ends_at=start + dt.timedelta(hours=hours),
            registration_closes_at=start - dt.timedelta(hours=15),
            **kw,
        ),
        actor=plan.trainer,
        at=_at(OPENED - dt.timedelta(days=2)),
    )


def _courses(plan: Plan, regions: list[Region]) -> dict[str, Course]:
    centre = f"{plan.city.name}公共资源交易中心"
    sme = _course(
        plan,
        title=FIRST_TITLE,
        mode=CourseMode.OFFLINE,
        description="解读中小企业预留份额、价格扣除和合同融资等政策，讲解采购文件编制中的常见问题。",
        numbers=["财库〔2020〕46号", "财库〔2022〕19号"],
        topics=["中小企业", "预留份额", "价格扣除"],
    )
    plan.sessions["sme"] = [
        _session(plan, sme, day, title=f"第{n}期", venue=centre, room="三楼培训室", capacity=120)
        for n, day in enumerate(
            [dt.date(2026, 3, 12), dt.date(2026, 5, 14), dt.date(2026, 7, 16), dt.date(2026, 9, 17)], start=1
        )
    ]
    plan.sessions["sme_next"] = [
        _session(plan, sme, dt.date(2026, 12, 3), title="第5期", venue=centre, room="三楼培训室", capacity=50)
    ]
    practice = _course(
        plan,
        title="政府采购实务培训（县区专场）",
        mode=CourseMode.OFFLINE,
        description="采购需求编制、采购方式选择、履约验收和资金支付的实务操作，在各县区公共资源交易中心举办。",
        numbers=["国务院令第658号"],
        topics=["履约验收"],
    )
    plan.sessions["practice"] = [
        _session(
            plan,
            practice,
            dt.date(2026, 4, 9) + dt.timedelta(days=14 * i),
            title=f"{region.name}专场",
            venue=f"{region.name}公共资源交易中心",
            room="开标大厅",
            capacity=110,
            hour=14,
        )
        for i, region in enumerate(regions[1:])
    ]
    live = _course(
        plan,
        title="政府采购电子化交易系统操作直播培训",
        mode=CourseMode.LIVE,
        description="线上直播演示电子投标文件制作、加密上传、远程开标和电子保函的操作。",
        numbers=[],
        topics=["电子化采购"],
    )
    meeting = "https://meeting.tencent.com/dm/heze-zfcg-2026"
    plan.sessions["live"] = [
        _session(plan, live, day, meeting_url=meeting, hour=14, hours=2, min_attendance_pct=80)
        for day in (dt.date(2026, 2, 26), dt.date(2026, 6, 18), dt.date(2026, 10, 22))
    ]
    plan.sessions["live_next"] = [
        _session(plan, live, dt.date(2026, 12, 10), meeting_url=meeting, hour=14, hours=2, min_attendance_pct=80)
    ]
    recorded = _course(
        plan,
        title="政府采购法实施条例精讲（录播）",
        mode=CourseMode.RECORDED,
        description="逐章讲解《政府采购法实施条例》，可在观看期内随时学习，看完九成即完成。",
        numbers=["国务院令第658号"],
        topics=[],
    )
    window = _at(OPENED, 8)
    plan.sessions["recorded"] = [
        services.session_create(
            course=recorded,
            data=services.SessionInput(
                title="2026年度",
                starts_at=window,
                ends_at=_at(dt.date(2026, 12, 31), 23),
                registration_closes_at=_at(dt.date(2026, 12, 20), 23),
            ),
            actor=plan.trainer,
            at=_at(OPENED - dt.timedelta(days=2)),
        )
    ]
    for title, headings in (
        ("第一讲 总则与政府采购当事人", ["立法目的", "政府采购的范围", "采购人", "采购代理机构", "供应商"]),
        ("第二讲 采购方式与程序", ["公开招标", "竞争性谈判与磋商", "询价", "单一来源", "框架协议"]),
    ):
        services.material_upload(
            course=recorded,
            data=services.MaterialInput(
                title=title, filename="slides.pdf", stream=io.BytesIO(slides_pdf(title, headings))
            ),
            actor=plan.trainer,
            at=_at(OPENED - dt.timedelta(days=2)),
        )
    for course in (sme, practice, live, recorded):
        services.course_set_status(course=course, status="open", actor=plan.trainer, at=_at(OPENED))
    return {"sme": sme, "practice": practice, "live": live, "recorded": recorded}


def _register_org(plan: Plan, org: Org, session: Session, people: list[services.SheetRow]) -> list[Registration]:
    """The organization's sheet, as the bulk upload reads it, a few days before registration closes."""
    at = session.registration_closes_at - dt.timedelta(days=plan.rng.randint(2, 20), hours=plan.rng.randint(0, 8))
    at = max(at, _at(OPENED, 10))
    rows = [
        services.SheetRow(row=i + 2, name=p.name, phone=p.phone, job_title=p.job_title) for i, p in enumerate(people)
    ]
    return services.registration_bulk(
        session=session, organization=org.organization, rows=rows, actor=org.registrar, at=at
    )


def _phones(plan: Plan) -> None:
    for org in plan.orgs:
        org.staff = [services.SheetRow(s.row, s.name, plan.phone(), s.job_title) for s in org.staff]


def _assign(plan: Plan) -> dict[int, list[tuple[Org, list[services.SheetRow]]]]:
    """Which session each organization's staff go to: their county's session, the city's, or online."""
    taken: dict[int, int] = {}
    plan_by_session: dict[int, list[tuple[Org, list[services.SheetRow]]]] = {}
    county_session = {s.venue.replace("公共资源交易中心", ""): s for s in plan.sessions["practice"]}

    def fits(session: Session, n: int) -> bool:
        return session.capacity is None or taken.get(session.pk, 0) + n <= session.capacity

    for org in plan.orgs:
        people = list(org.staff)
        plan.rng.shuffle(people)
        region = org.organization.region
        options = [county_session[region.name]] if region.name in county_session else []
        options += plan.rng.sample(plan.sessions["sme"], len(plan.sessions["sme"]))
        live = plan.rng.choice(plan.sessions["live"])
        options = [live, *options] if plan.rng.random() < 0.3 else [*options, live]  # some prefer online
        first = people[: max(1, len(people) - plan.rng.randint(0, 2))]
        second = people[len(first) :]
        for group in (first, second):
            if not group:
                continue
            session = next((s for s in options if fits(s, len(group))), plan.sessions["live"][0])
            taken[session.pk] = taken.get(session.pk, 0) + len(group)
            plan_by_session.setdefault(session.pk, []).append((org, group))
            options = [s for s in options if s.pk != session.pk] or options
    return plan_by_session


def _attend_offline(plan: Plan, session: Session, registrations: list[Registration]) -> int:
    done = 0
    door = session.starts_at - dt.timedelta(minutes=40)
    for i, registration in enumerate(registrations):
        if plan.rng.random() < 0.07:  # did not come
            continue
        at = door + dt.timedelta(seconds=20 * i + plan.rng.randint(0, 15))
        answer = services.registration_check_in(
            session=session, text=checkin.checkin_url(registration), actor=plan.trainer, at=at
        )
        done += answer.ok
        if plan.rng.random() < 0.01:  # someone shows the code twice: refused, and audited as such
            services.registration_check_in(
                session=session, text=checkin.issue(registration), actor=plan.trainer, at=at + dt.timedelta(minutes=1)
            )
    return done


def _attend_live(plan: Plan, session: Session, registrations: list[Registration]) -> int:
    """The meeting's export (as Tencent Meeting writes it), imported after the session."""
    lines = ["用户昵称,手机号,首次入会时间,最后离会时间"]
    for registration in registrations:
        roll = plan.rng.random()
        if roll < 0.05:
            continue  # absent
        join = session.starts_at + dt.timedelta(minutes=plan.rng.randint(-10, 8))
        leave = session.ends_at - dt.timedelta(minutes=plan.rng.randint(0, 10) if roll > 0.12 else 70)
        phone = registration.participant.phone if plan.rng.random() < 0.9 else ""
        lines.append(
            f"{registration.participant.name},{phone},"
            f"{timezone.localtime(join):%Y-%m-%d %H:%M:%S},{timezone.localtime(leave):%Y-%m-%d %H:%M:%S}"
        )
    lines.append(
        f"访客{plan.rng.randint(100, 999)},,{timezone.localtime(session.starts_at):%Y-%m-%d %H:%M:%S},"
        f"{timezone.localtime(session.ends_at):%Y-%m-%d %H:%M:%S}"
    )
    export = "\n".join(lines).encode("utf-8-sig")
    rows = imports.read_attendance_export(io.BytesIO(export), filename="参会明细.csv", session=session)
    record = services.live_attendance_import(
        session=session,
        rows=rows,
        filename="参会明细.csv",
        sha256=hashlib.sha256(export).hexdigest(),
        actor=plan.trainer,
        at=session.ends_at + dt.timedelta(hours=2),
    )
    return int(record.completed)


def _watch(registration: Registration, user: Any, start: dt.datetime, share: float) -> None:
    """The learner turns the pages, about a minute each, up to ``share`` of the course."""
    materials = list(registration.session.course.materials.all())
    pages = [(m, p) for m in materials for p in range(1, (m.pages or 0) + 1)]
    at = start
    for material, page in pages[: round(len(pages) * share)]:
        at += dt.timedelta(seconds=70)
        services.progress_record(registration=registration, material=material, page=page, actor=user, at=at)


def _learner_account(org: Org, person: services.SheetRow, index: int, at: dt.datetime) -> User:
    """An account for someone who learns online (it carries their mobile number, so the trainee links to it)."""
    role = Role.AGENCY_STAFF if org.organization.kind == OrganizationKind.AGENCY else Role.PURCHASER_STAFF
    user = user_create(
        username=f"trainee_{index}",
        password=None,
        email=f"trainee{index}@demo.zhengcai.invalid",
        display_name=person.name,
        phone=person.phone,
        actor=ACTOR,
        at=at,
    )
    membership_create(user=user, organization=org.organization, role=role, title=person.job_title, actor=ACTOR, at=at)
    return user


def _recorded(plan: Plan, participants: list[tuple[Org, services.SheetRow]]) -> int:
    """Some people also take the recorded course with their own account; most finish it."""
    session = plan.sessions["recorded"][0]
    done = 0
    for index, (org, person) in enumerate(participants, start=1):
        day = OPENED + dt.timedelta(days=plan.rng.randint(0, (TODAY - OPENED).days - 3))
        _learner_account(org, person, index, _at(day, 9))
        registration = services.registration_create(
            session=session,
            person=services.PersonInput(person.name, person.phone, person.job_title),
            organization=org.organization,
            actor=org.registrar,
            at=_at(day, 10),
        )
        learner = registration.participant.user
        share = 1.0 if plan.rng.random() < 0.85 else 0.5
        _watch(registration, learner, _at(day, 14), share)
        registration.refresh_from_db()
        done += registration.completed_at is not None
    return done


def _demo_logins(plan: Plan) -> None:
    """The ``agency`` and ``purchaser`` demo logins as trainees: a place in the December session (a QR code to
    show), the live session to come, and the recorded course half watched.

    Their accounts get a mobile number here (accounts has no profile-editing service yet; a person fills it in
    on their profile), which is how their organization's registrations reach them."""
    for username, phone in (("agency", "13905300001"), ("purchaser", "13905300002")):
        user = User.objects.get(username=username)
        User.objects.filter(pk=user.pk).update(phone=phone)
        user.refresh_from_db()
        organization = Membership.objects.filter(user=user).select_related("organization").first()
        if organization is None:
            continue
        person = services.PersonInput(user.display_name.split("（")[0] or username, phone, "采购专员")
        at = _at(TODAY - dt.timedelta(days=4), 10)
        services.registration_create(
            session=plan.sessions["sme_next" if username == "agency" else "live_next"][0],
            person=person,
            organization=organization.organization,
            actor=user,
            at=at,
        )
        recorded = services.registration_create(
            session=plan.sessions["recorded"][0],
            person=person,
            organization=organization.organization,
            actor=user,
            at=at,
        )
        _watch(recorded, user, at + dt.timedelta(hours=2), 0.5)


def _upcoming(plan: Plan) -> None:
    """Registrations already made for December (with a few on the waiting list and one cancellation)."""
    session = plan.sessions["sme_next"][0]
    orgs = plan.rng.sample(plan.orgs, min(len(plan.orgs), 30))
    for org in orgs:
        people = org.staff[:2]
        at = TODAY - dt.timedelta(days=plan.rng.randint(1, 12))
        for person in people:
            registration = services.registration_create(
                session=session,
                person=services.PersonInput(person.name, person.phone, person.job_title),
                organization=org.organization,
                actor=org.registrar,
                at=_at(at, 11),
                waitlist_ok=True,
            )
            if plan.rng.random() < 0.03 and registration.status == RegistrationStatus.REGISTERED:
                services.registration_cancel(registration=registration, actor=org.registrar, at=_at(at, 15))
    live = plan.sessions["live_next"][0]
    for org in plan.rng.sample(plan.orgs, min(len(plan.orgs), 25)):
        person = org.staff[-1]
        services.registration_create(
            session=live,
            person=services.PersonInput(person.name, person.phone, person.job_title),
            organization=org.organization,
            actor=org.registrar,
            at=_at(TODAY - dt.timedelta(days=2), 16),
        )


def seed_training(*, small: bool = False) -> dict[str, Any]:
    """Load the 2026 training year; returns counts for the seed's report."""
    if Course.objects.filter(title=FIRST_TITLE).exists():
        return {"skipped": True}
    rng = random.Random(data.SEED + 71)
    regions = list(Region.objects.order_by("sort", "code"))
    plan = Plan(city=regions[0], trainer=User.objects.get(username="reviewer"), orgs=[], rng=rng)
    plan.orgs = _organizations(rng, small, _at(OPENED - dt.timedelta(days=5)))
    _phones(plan)
    _courses(plan, regions)
    completed = 0
    by_session = _assign(plan)
    for session in [*plan.sessions["live"], *plan.sessions["sme"], *plan.sessions["practice"]]:
        registrations: list[Registration] = []
        for org, people in by_session.get(session.pk, []):
            registrations += _register_org(plan, org, session, people)
        places = [r for r in registrations if r.status == RegistrationStatus.REGISTERED]
        if session.course.mode == CourseMode.LIVE:
            completed += _attend_live(plan, session, places)
        else:
            completed += _attend_offline(plan, session, places)
    everyone = [(org, person) for org in plan.orgs for person in org.staff]
    learners = rng.sample(everyone, max(1, len(everyone) // (6 if not small else 4)))
    completed += _recorded(plan, learners)
    _demo_logins(plan)
    _upcoming(plan)
    return {
        "organizations": len(plan.orgs),
        "participants": len(everyone),
        "registrations": Registration.objects.count(),
        "attended": completed,
    }
