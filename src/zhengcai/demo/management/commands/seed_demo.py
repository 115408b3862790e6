"""Load the Heze demo: regions, bureaus, ~300 budget units, ~40 agencies, ~3,000 suppliers,
8 banks, 5 guarantee institutions, one login per role, and ~2,000 procurement projects in every
stage of their lifecycle (see zhengcai.demo.procurement_plan). Deterministic and idempotent."""

from __future__ import annotations

import datetime as dt
import os
import random
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from zhengcai.accounts.models import User
from zhengcai.accounts.services import membership_create, user_create
from zhengcai.core.permissions import Role
from zhengcai.demo import data
from zhengcai.demo.credit_seed import credit_policy_acts, seed_credit
from zhengcai.demo.evaluation_chain_seed import seed_evaluation_chain
from zhengcai.demo.evaluation_flags_seed import seed_evaluation_flags
from zhengcai.demo.evaluation_indicators_seed import seed_evaluation_indicators
from zhengcai.demo.financing_seed import seed_financing
from zhengcai.demo.guarantees_seed import seed_guarantees
from zhengcai.demo.policies_seed import seed_policies
from zhengcai.demo.procurement_plan import INTENTION_ONLY, NOW
from zhengcai.demo.procurement_seed import PROJECTS, seed_procurement
from zhengcai.demo.publicity_seed import seed_publicity
from zhengcai.demo.service_seed import seed_service
from zhengcai.demo.training_seed import seed_training
from zhengcai.organizations.models import Organization, OrganizationKind, Region
from zhengcai.organizations.regions import BUREAU_DEPARTMENTS, DISTRICTS_AND_COUNTIES, HEZE
from zhengcai.organizations.services import (
    OrganizationRow,
    SupplierRegistration,
    organization_bulk_import,
    region_ensure,
    supplier_register,
)
from zhengcai.procurement.models import Intention, Project, ProjectStatus

ACTOR = "seed_demo"
# The organizations and accounts exist from December 2024; procurement runs from January 2025 to
# the demo's "today", 2026-11-25; the pending registrations arrived in early November 2026.
BASE_AT = dt.datetime(2024, 12, 2, 9, 0)
PENDING_AT = dt.datetime(2026, 11, 1, 9, 0)
SUPPLIERS_PER_REGION = [500, 450, 250, 258, 258, 257, 257, 257, 257, 256]  # 3,000
AGENCIES_PER_REGION = [20, 4, 2, 2, 2, 2, 2, 2, 2, 2]  # 40
DEFAULT_DEMO_PASSWORD = "Heze-demo-2026"

# (username, display name, role, organization name builder)
DEMO_LOGINS: list[tuple[str, str, Role, str]] = [
    ("admin", "王建国（市财政局管理员）", Role.BUREAU_ADMIN, "菏泽市财政局"),
    ("reviewer", "李静（政府采购管理科）", Role.BUREAU_REVIEWER, "菏泽市财政局政府采购管理科"),
    ("editor", "张晓梅（宣传编辑）", Role.PUBLICITY_EDITOR, "菏泽市财政局办公室"),
    ("caoeditor", "马丽（曹县宣传编辑）", Role.PUBLICITY_EDITOR, "曹县财政局"),
    ("publicity", "钱红（宣传组）", Role.PUBLICITY_REVIEWER, "菏泽市财政局办公室"),
    ("leader", "冯志远（分管副局长）", Role.BUREAU_LEADER, "菏泽市财政局"),
    ("purchaser", "刘强（市教育局）", Role.PURCHASER_STAFF, "菏泽市教育局"),
    ("agency", "陈芳（代理机构）", Role.AGENCY_STAFF, "@agency"),
    ("supplier", "赵磊（供应商）", Role.SUPPLIER_STAFF, "@supplier"),
    ("bank", "孙丽（工商银行）", Role.BANK_OFFICER, "中国工商银行股份有限公司菏泽分行"),
    ("guarantor", "周涛（融资担保）", Role.GUARANTOR_OFFICER, "菏泽市融资担保有限公司"),
    ("expert", "吴敏（评审专家）", Role.EVALUATION_EXPERT, "菏泽市财政局"),
    ("auditor", "郑伟（审计）", Role.AUDITOR, "菏泽市财政局"),
    ("caoxian", "黄勇（曹县财政局审核员）", Role.BUREAU_REVIEWER, "曹县财政局政府采购管理科"),
]

PENDING_REGISTRATIONS = [
    ("371702", "牡丹区新锐办公设备有限公司", "small", "办公设备、计算机及耗材销售", "newsupplier1"),
    ("371721", "曹县乐学教育装备有限公司", "micro", "教学仪器、实验室设备销售", "newsupplier2"),
    ("371721", "曹县绿野园林绿化有限公司", "small", "园林绿化工程、苗木销售", "newsupplier3"),
    ("371725", "郓城县安居物业管理有限公司", "medium", "物业管理、保洁服务", "newsupplier4"),
    ("371700", "菏泽云启信息技术有限公司", "small", "软件开发、信息系统集成服务", "newsupplier5"),
    ("371728", "东明县诚信商贸有限公司", "micro", "日用百货、劳保用品销售", "newsupplier6"),
]


class Command(BaseCommand):
    help = "Load the deterministic Heze demo data set (safe to run again)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--small", action="store_true", help="a tenth of the suppliers and of the projects, for quick tests"
        )
        parser.add_argument(
            "--projects",
            type=int,
            default=None,
            help=f"procurement projects (default {PROJECTS}, a tenth with --small; 0 for none; any other number "
            "gives at least the ~60 that show the demo logins every stage)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PROD and not os.environ.get("ZC_ALLOW_DEMO_IN_PROD"):
            raise CommandError("seed_demo refuses to run with ZC_ENV=prod (it creates demo logins).")
        at = timezone.make_aware(BASE_AT)
        password = os.environ.get("ZC_DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD)
        small = options["small"]
        projects = options["projects"] if options["projects"] is not None else PROJECTS // (10 if small else 1)
        rng = random.Random(data.SEED)
        with transaction.atomic():
            regions = self._regions(at)
            bureaus = self._bureaus(regions, at)
            self._institutions(regions, bureaus, rng, at, small=small)
            self._logins(password, at)
        pending = self._pending(regions, password) + credit_policy_acts(actor=ACTOR)
        report = seed_procurement(
            n_projects=projects,
            purchaser_name="菏泽市教育局",
            actor=ACTOR,
            staff_at=at + dt.timedelta(hours=1),
            also=pending,
        )
        if report is None:
            for _, register in pending:
                register()  # each skips a registration or policy version already made
        for label, seed in (("credit", seed_credit), ("guarantees", seed_guarantees), ("financing", seed_financing)):
            added = seed(actor=ACTOR, at=NOW)
            summary = ", ".join(f"{k}={v}" for k, v in added.items()) if added else "already present: nothing added"
            self.stdout.write(self.style.SUCCESS(f"{label.capitalize()}: {summary}"))
        # The policy library as the bureau had it before the publicity year began, then that year.
        documents = seed_policies(actor_username="editor", at=timezone.make_aware(dt.datetime(2025, 11, 20, 9, 0)))
        self.stdout.write(self.style.SUCCESS(f"Policy library: {documents} documents added"))
        publicity = seed_publicity(small=small)
        self.stdout.write(self.style.SUCCESS("Publicity: " + ", ".join(f"{k}={v}" for k, v in publicity.items())))
        for label, seeded in (("Training", seed_training), ("Service desk", seed_service)):
            added_now = seeded(small=small)
            self.stdout.write(self.style.SUCCESS(f"{label}: " + ", ".join(f"{k}={v}" for k, v in added_now.items())))
        # The evaluation organization (mayor → … → unit heads) with its tasks, then the integrity red flags.
        chain = seed_evaluation_chain(at=NOW, password=password)
        self.stdout.write(
            self.style.SUCCESS("Responsibility chain: " + ", ".join(f"{k}={v}" for k, v in chain.items()))
        )
        flags = seed_evaluation_flags(at=NOW)
        self.stdout.write(self.style.SUCCESS("Red flags: " + ", ".join(f"{k}={v}" for k, v in flags.items())))
        indicators = seed_evaluation_indicators(at=NOW)
        self.stdout.write(self.style.SUCCESS("Indicators: " + ", ".join(f"{k}={v}" for k, v in indicators.items())))
        counts = {k: Organization.objects.filter(kind=k).count() for k in OrganizationKind.values}
        self.stdout.write(
            self.style.SUCCESS("Heze demo data loaded: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
        )
        stages = {s: Project.objects.filter(status=s).count() for s in ProjectStatus.values}
        stages[INTENTION_ONLY] = Intention.objects.filter(projects__isnull=True).count()
        note = "" if report is not None else " (already present: nothing added)"
        self.stdout.write(
            self.style.SUCCESS(
                f"Procurement{note}: projects={Project.objects.count()}, "
                + ", ".join(f"{k}={v}" for k, v in stages.items())
            )
        )

    def _regions(self, at: dt.datetime) -> list[Region]:
        code, name, name_en, level = HEZE
        city = region_ensure(
            code=code, name=name, name_en=name_en, level=level, parent=None, sort=0, actor=ACTOR, at=at
        )
        regions = [city]
        for i, (code, name, name_en, level) in enumerate(DISTRICTS_AND_COUNTIES, start=1):
            regions.append(
                region_ensure(
                    code=code, name=name, name_en=name_en, level=level, parent=city, sort=i, actor=ACTOR, at=at
                )
            )
        return regions

    def _bureaus(self, regions: list[Region], at: dt.datetime) -> dict[str, Organization]:
        rows = [
            OrganizationRow(
                kind=OrganizationKind.FINANCE_BUREAU,
                name=f"{r.name}财政局",
                name_en=f"{r.name_en} Finance Bureau",
                region=r,
                address=f"山东省{'' if r.is_city else '菏泽市'}{r.name}",
            )
            for r in regions
        ]
        organization_bulk_import(rows=rows, actor=ACTOR, at=at, source="seed_demo:bureaus")
        bureaus = {
            b.region.code: b
            for b in Organization.objects.filter(kind=OrganizationKind.FINANCE_BUREAU).select_related("region")
        }
        departments = [
            OrganizationRow(
                kind=OrganizationKind.BUREAU_DEPARTMENT,
                name=f"{bureau.name}{dept}",
                name_en=f"{bureau.name_en}, {dept_en}",
                region=bureau.region,
                parent=bureau,
            )
            for bureau in bureaus.values()
            for dept, dept_en in BUREAU_DEPARTMENTS
        ]
        organization_bulk_import(rows=departments, actor=ACTOR, at=at, source="seed_demo:departments")
        return bureaus

    def _institutions(
        self,
        regions: list[Region],
        bureaus: dict[str, Organization],
        rng: random.Random,
        at: dt.datetime,
        *,
        small: bool,
    ) -> None:
        rows: list[OrganizationRow] = []
        for region in regions:
            for raw in data.BUDGET_UNIT_TEMPLATES:
                template = data.CITY_NAME_FIX.get(raw, raw) if region.is_city else raw
                rows.append(
                    OrganizationRow(
                        kind=OrganizationKind.BUDGET_UNIT, name=template.format(r=region.name), region=region
                    )
                )
            rows.append(
                OrganizationRow(
                    kind=OrganizationKind.TRADING_CENTRE, name=f"{region.name}公共资源交易中心", region=region
                )
            )
        agency_words = list(data.AGENCY_WORDS)
        rng.shuffle(agency_words)
        for region, n in zip(regions, AGENCIES_PER_REGION, strict=True):
            prefix = "山东" if region.is_city else data.short(region.name)
            for i in range(n):
                word = agency_words[i % len(agency_words)]
                suffix = data.AGENCY_SUFFIXES[(i // len(agency_words)) % 2]
                rows.append(
                    OrganizationRow(
                        kind=OrganizationKind.AGENCY,
                        name=f"{prefix}{word}{suffix}",
                        region=region,
                        credit_code=data.credit_code(rng, region.code),
                        business_scope="政府采购代理、工程招标代理、造价咨询",
                    )
                )
        for region, n in zip(regions, SUPPLIERS_PER_REGION, strict=True):
            count = n // 10 if small else n
            rshort = data.short(region.name)
            for name, scope in data.supplier_names(rng, rshort, count):
                rows.append(
                    OrganizationRow(
                        kind=OrganizationKind.SUPPLIER,
                        name=name,
                        region=region,
                        credit_code=data.credit_code(rng, region.code),
                        size=data.weighted_size(rng),
                        business_scope=scope,
                        contact_phone=f"0530-{rng.randint(5000000, 8999999)}",
                    )
                )
        city = regions[0]
        for name in data.BANKS:
            rows.append(
                OrganizationRow(
                    kind=OrganizationKind.BANK, name=name, region=city, credit_code=data.credit_code(rng, city.code)
                )
            )
        for name in data.GUARANTORS:
            region = next((r for r in regions if name.startswith(r.name)), city)
            rows.append(
                OrganizationRow(
                    kind=OrganizationKind.GUARANTOR,
                    name=name,
                    region=region,
                    credit_code=data.credit_code(rng, region.code),
                )
            )
        organization_bulk_import(rows=rows, actor=ACTOR, at=at, source="seed_demo:institutions")

    def _logins(self, password: str, at: dt.datetime) -> None:
        first_agency = Organization.objects.filter(kind=OrganizationKind.AGENCY).order_by("id").first()
        first_supplier = Organization.objects.filter(kind=OrganizationKind.SUPPLIER).order_by("id").first()
        for username, display, role, org_name in DEMO_LOGINS:
            if org_name == "@agency":
                org = first_agency
            elif org_name == "@supplier":
                org = first_supplier
            else:
                org = Organization.objects.filter(name=org_name).first()
            if org is None:
                raise CommandError(f"demo organization missing for {username}: {org_name}")
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
            membership_create(user=user, organization=org, role=role, actor=ACTOR, at=at)

    def _pending(self, regions: list[Region], password: str) -> list[tuple[dt.datetime, Callable[[], Any]]]:
        """The six self-registrations waiting for review, as dated acts for the procurement timeline."""
        by_code = {r.code: r for r in regions}
        rng = random.Random(data.SEED + 1)
        acts: list[tuple[dt.datetime, Callable[[], Any]]] = []
        for i, (code, name, size, scope, username) in enumerate(PENDING_REGISTRATIONS):
            registration = SupplierRegistration(
                name=name,
                credit_code=data.credit_code(rng, code),
                region=by_code[code],
                size=size,
                business_scope=scope,
                address=f"山东省菏泽市{by_code[code].name}",
                contact_name=f"联系人{i + 1}",
                contact_phone=f"138{rng.randint(10000000, 99999999)}",
                contact_email=f"{username}@demo.zhengcai.invalid",
                username=username,
                password=password,
            )
            when = timezone.make_aware(PENDING_AT + dt.timedelta(days=i, hours=1))
            acts.append((when, self._register_once(registration, when)))
        return acts

    @staticmethod
    def _register_once(registration: SupplierRegistration, when: dt.datetime) -> Callable[[], Any]:
        def register() -> None:
            if not User.objects.filter(username=registration.username).exists():
                supplier_register(data=registration, at=when)

        return register
