"""Demo supplier credit: policy versions 1 and 2, ~150 records across the suppliers of every region.

Everything goes through the credit services: the penalties arrive as two imported files (a CSV of
administrative penalties from the market-regulation and tax bureaus, a JSON serious-dishonesty list),
the bureau enters its own findings by hand, and ``credit_sync_platform`` derives the platform behaviours
(failed acceptance, contract not signed) from the demo procurement data. The policy versions are published
on the procurement timeline (``credit_policy_acts``), so the bidders' exemption decisions there are made
under the version then in force. Deterministic; does nothing once credit records exist.

The demo supplier login's company has no record (exempt); the next supplier (by id) carries a serious
record — "提供虚假材料谋取中标" of 2025-05-02, in force until 2028-05-01 — so its staff see "不予免收".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from zhengcai.accounts.models import Membership
from zhengcai.core.permissions import Role
from zhengcai.credit.models import CreditPolicy, CreditRecord
from zhengcai.credit.rules import DEFAULT_EFFECTIVE_FROM, DEFAULT_RULES, add_months
from zhengcai.credit.services import (
    Entry,
    credit_import,
    credit_policy_publish,
    credit_record_add,
    credit_sync_platform,
)
from zhengcai.organizations.models import Organization, OrganizationKind

from . import data

DEMO_SUPPLIER_LOGIN = "supplier"
# 菏财采〔2023〕12号 (issued 2023-12-20, in force from 2024-01-01) entered as version 1 when the platform went
# live, before its first tender.
V1_PUBLISHED = dt.datetime(2024, 12, 16, 10, 0)
V1_EFFECTIVE = DEFAULT_EFFECTIVE_FROM
V2_PUBLISHED = dt.datetime(2026, 6, 15, 10, 0)
V2_EFFECTIVE = dt.date(2026, 7, 1)
PENALTIES_PER_REGION = 10
DISHONESTY_ENTRIES = 8
BUREAU_FINDINGS = 20
KNOWN_SERIOUS = Entry(
    kind="false_materials",
    severity="serious",
    occurred_on=dt.date(2025, 5, 2),
    expires_on=dt.date(2028, 5, 1),
    description="在菏泽市第二人民医院医用耗材采购项目中提供虚假业绩证明材料谋取中标，处采购金额千分之五罚款",
    reference="菏财采处〔2025〕7号",
    authority="菏泽市财政局",
)

# (template, severity, months in force) — publicity periods within the ranges of the credit-repair rules:
# minor 3 months, general 1 year, serious 3 years.
MARKET_PENALTIES = [
    ("发布虚假广告，责令停止发布并罚款{n}万元", "major", 12),
    ("销售不合格办公用品，没收违法所得并罚款{n}万元", "major", 12),
    ("未按规定公示年度报告，予以警告", "minor", 3),
    ("产品标识不符合规定，责令改正并罚款{n}千元", "minor", 3),
    ("以不正当手段谋取交易机会，罚款{n}万元", "major", 12),
    ("在政府采购活动中串通投标，罚款{n}万元并吊销相关许可", "serious", 36),
]
TAX_PENALTIES = [
    ("未按期办理纳税申报，罚款{n}百元", "minor", 3),
    ("少缴增值税{n}万元，处少缴税款百分之五十罚款", "major", 12),
    ("虚开增值税普通发票{n}份，罚款{n}万元", "serious", 36),
]
BUREAU_KINDS = [
    ("late_delivery", "minor", "合同约定交货期届满后逾期{n}日交货，采购人已书面催告"),
    ("late_delivery", "major", "逾期交货{n}日导致采购人开学前无法使用，采购人扣减履约保证金"),
    ("complaint_upheld", "major", "投诉人投诉其投标产品不满足实质性要求，经财政部门调查投诉成立"),
    ("bid_withdrawn", "major", "开标后在投标有效期内撤销投标文件，拒不参加后续评审"),
    ("false_materials", "serious", "提供虚假的检测报告参加投标，经核实属实"),
]
DISHONESTY = "因拒不履行行政处罚决定被列入市场监督管理严重违法失信名单"


def _aware(moment: dt.datetime) -> dt.datetime:
    return timezone.make_aware(moment)


def demo_supplier() -> Organization | None:
    """The company of the demo supplier login (or, before the logins exist, the first supplier by id)."""
    membership = (
        Membership.objects.filter(user__username=DEMO_SUPPLIER_LOGIN, role=Role.SUPPLIER_STAFF)
        .select_related("organization")
        .first()
    )
    if membership is not None:
        return membership.organization
    return Organization.objects.filter(kind=OrganizationKind.SUPPLIER).order_by("id").first()


def known_serious_supplier() -> Organization | None:
    """The second demo supplier: the first by id after the demo supplier login's company."""
    demo = demo_supplier()
    qs = Organization.objects.filter(kind=OrganizationKind.SUPPLIER, credit_code__isnull=False).order_by("id")
    return qs.exclude(pk=demo.pk).first() if demo is not None else None


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max((end - start).days, 0)))


def _penalty_csv(rng: random.Random, suppliers: dict[int, list[Organization]], last: dt.date) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["credit_code", "kind", "severity", "occurred_on", "expires_on", "description", "reference", "authority"]
    )
    numbers: dict[str, int] = defaultdict(int)
    for pool in suppliers.values():
        for supplier in rng.sample(pool, min(PENALTIES_PER_REGION, len(pool))):
            region = supplier.region
            tax = rng.random() < 0.3
            template, severity, months = rng.choice(TAX_PENALTIES if tax else MARKET_PENALTIES)
            occurred = _day(rng, dt.date(2022, 1, 1), last)
            city = region.level == "city"
            prefix = "菏" if city else region.name[0]
            if tax:
                authority = f"国家税务总局{region.name}税务局"
                series = f"{prefix}税{'稽' if city else ''}罚"
            else:
                authority = f"{region.name}市场监督管理局"
                series = f"{prefix}市监处罚"
            numbers[series + str(occurred.year)] += rng.randint(3, 40)
            reference = f"{series}〔{occurred.year}〕{numbers[series + str(occurred.year)]}号"
            writer.writerow(
                [
                    supplier.credit_code,
                    "administrative_penalty",
                    severity,
                    occurred.isoformat(),
                    (add_months(occurred, months) - dt.timedelta(days=1)).isoformat(),
                    template.format(n=rng.randint(1, 9)),
                    reference,
                    authority,
                ]
            )
    return out.getvalue().encode("utf-8")


def _dishonesty_json(rng: random.Random, pool: list[Organization], last: dt.date) -> bytes:
    records = []
    for i, supplier in enumerate(rng.sample(pool, min(DISHONESTY_ENTRIES, len(pool))), start=1):
        occurred = _day(rng, dt.date(2023, 1, 1), last)
        records.append(
            {
                "credit_code": supplier.credit_code,
                "kind": "serious_dishonesty",
                "severity": "serious",
                "occurred_on": occurred.isoformat(),
                "expires_on": (add_months(occurred, 36) - dt.timedelta(days=1)).isoformat() if i % 4 else None,
                "description": DISHONESTY,
                "reference": f"菏市监失信〔{occurred.year}〕{i}号",
                "authority": "菏泽市市场监督管理局",
            }
        )
    return json.dumps({"records": records}, ensure_ascii=False, indent=1).encode("utf-8")


def credit_policy_acts(*, actor: str) -> list[tuple[dt.datetime, Callable[[], Any]]]:
    """The two published versions of the credit policy as dated acts for the procurement timeline, so the
    bidders' exemption decisions are made under the version in force that day: v1 (effective 2024-01-01) and
    v2 (2026-07-01, stricter: at most 1 major record, small/micro +1). Each does nothing once published."""
    versions = [
        (
            _aware(V1_PUBLISHED),
            dict(DEFAULT_RULES),
            V1_EFFECTIVE,
            "菏泽市政府采购供应商信用承诺与投标保证金免收办法（试行）",
        ),
        (
            _aware(V2_PUBLISHED),
            {**DEFAULT_RULES, "major_max": 1, "small_micro_extra_major": 1},
            V2_EFFECTIVE,
            "修订：近2年较重失信记录超过1条不予免收；小微企业放宽1条",
        ),
    ]

    def act(at: dt.datetime, rules_in: dict[str, int], effective: dt.date, note: str) -> Callable[[], Any]:
        def publish() -> None:
            if not CreditPolicy.objects.filter(effective_from=effective).exists():
                credit_policy_publish(rules_in=rules_in, effective_from=effective, note=note, actor=actor, at=at)

        return publish

    return [(at, act(at, rules_in, effective, note)) for at, rules_in, effective, note in versions]


def seed_credit(*, actor: str, at: dt.datetime) -> dict[str, int]:
    """The policy versions where the timeline has not published them, imported penalties and dishonesty
    entries, the bureau's findings and the platform records. ``at`` is the demo's "today" (after the
    procurement timeline). Does nothing (returns {}) once credit records exist."""
    if CreditRecord.objects.exists():
        return {}
    rng = random.Random(data.SEED + 5)
    last = timezone.localtime(at).date() - dt.timedelta(days=1)
    demo, known = demo_supplier(), known_serious_supplier()
    spared = {o.pk for o in (demo, known) if o is not None}
    by_region: dict[int, list[Organization]] = defaultdict(list)
    everyone: list[Organization] = []
    for supplier in (
        Organization.objects.filter(kind=OrganizationKind.SUPPLIER, credit_code__isnull=False)
        .exclude(pk__in=spared)
        .select_related("region")
        .order_by("id")
    ):
        by_region[supplier.region_id].append(supplier)
        everyone.append(supplier)
    with transaction.atomic():
        for published_at, publish in credit_policy_acts(actor=actor):
            if published_at <= at:
                publish()
        if everyone:
            credit_import(
                content=_penalty_csv(rng, by_region, last),
                file_name="菏泽市行政处罚信息_2022-2026.csv",
                actor=actor,
                at=at,
            )
            credit_import(
                content=_dishonesty_json(rng, everyone, last),
                file_name="严重违法失信名单.json",
                actor=actor,
                at=at,
            )
        if known is not None:
            credit_record_add(supplier=known, entry=KNOWN_SERIOUS, actor=actor, at=at)
        for i, supplier in enumerate(rng.sample(everyone, min(BUREAU_FINDINGS, len(everyone))), start=1):
            kind, severity, text = rng.choice(BUREAU_KINDS)
            occurred = _day(rng, dt.date(2024, 6, 1), last)
            credit_record_add(
                supplier=supplier,
                entry=Entry(
                    kind=kind,
                    severity=severity,
                    occurred_on=occurred,
                    expires_on=add_months(occurred, 36 if severity == "serious" else 24) - dt.timedelta(days=1),
                    description=text.format(n=rng.randint(3, 30)),
                    reference=f"菏财采处〔{occurred.year}〕{100 + i}号",
                    authority="菏泽市财政局",
                ),
                actor=actor,
                at=at,
            )
        platform = credit_sync_platform(at=at)
    counts = {source: CreditRecord.objects.filter(source=source).count() for source in ("import", "bureau")}
    return {
        "policies": CreditPolicy.objects.count(),
        "imported": counts["import"],
        "bureau": counts["bureau"],
        "platform": platform,
        "records": CreditRecord.objects.count(),
    }
