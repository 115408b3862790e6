"""Demo contract financing (政采贷): the 8 demo banks' products and applications in every state on the demo
contracts, performed through the financing services, adding up to about the ¥260 million the seed city's
finance bureau reported raising for suppliers ("raised 260 million yuan for suppliers").

Each financed contract gets one application, dated a few days after the contract was signed: 1–3 banks,
70–80 % of the contract amount, quotes, the cheapest accepted, approval, disbursement; on a contract the
purchaser has since paid in full the bank records the repayment after the last payment. Contracts are
picked at random (fixed seed) with the share that makes the expected disbursements reach the target; the
most recent open contracts are left at each earlier stage (draft … approved), and about one application
in eight is withdrawn or declined. All acts run in date order, each at its own time; none after ``at``.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Sum

from zhengcai.accounts.models import Membership, User
from zhengcai.accounts.services import membership_create, user_create
from zhengcai.core.permissions import Role
from zhengcai.financing import services
from zhengcai.financing.models import (
    ApplicationStatus,
    FinancingApplication,
    FinancingProduct,
    Quote,
)
from zhengcai.organizations.models import Organization, OrganizationKind
from zhengcai.procurement.models import Contract, Payment, ProjectStatus

from . import data

TARGET_FEN = 2_6000_0000_00  # ¥260,000,000
SEED = data.SEED + 7
# (short code, product name, lowest rate, highest rate, share of the contract, longest term, sizes)
PRODUCTS: dict[str, list[tuple[str, str, str, str, str, int, tuple[str, ...]]]] = {
    "中国工商银行": [("ICBC", "政采贷", "3.45", "4.35", "80", 365, ("medium", "small", "micro"))],
    "中国农业银行": [("ABC", "政采e贷", "3.50", "4.50", "75", 360, ("medium", "small", "micro"))],
    "中国银行": [("BOC", "中银政采贷", "3.40", "4.20", "70", 365, ("large", "medium", "small", "micro"))],
    "中国建设银行": [
        ("CCB", "云端政采贷", "3.30", "4.10", "80", 365, ("medium", "small", "micro")),
        ("CCB", "小微快贷·政采版", "3.60", "4.60", "70", 180, ("small", "micro")),
    ],
    "交通银行": [("BOCOM", "政采贷", "3.60", "4.60", "70", 270, ("small", "micro"))],
    "山东菏泽农村商业银行": [("HZRCB", "政采快贷", "4.20", "5.60", "80", 365, ("medium", "small", "micro"))],
    "齐商银行": [("QSB", "政采通", "4.00", "5.20", "75", 300, ("medium", "small", "micro"))],
    "恒丰银行": [("HFB", "恒丰政采贷", "3.90", "5.00", "70", 365, ("large", "medium", "small", "micro"))],
}
PENDING_STAGES = [  # left on the most recent open contracts, one each
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.QUOTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.APPROVED,
]
WITHDRAWN_SHARE = 0.06
DECLINED_SHARE = 0.06


def _moment(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _local(at: dt.datetime) -> dt.date:
    return at.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


@dataclass
class Plan:
    """One contract's application: its acts, each a (time, call) run in global date order."""

    contract: Contract
    supplier_user: User
    stop: str  # the last stage it reaches (or withdrawn / declined)
    products: list[FinancingProduct]
    rng: random.Random
    application: FinancingApplication | None = None
    quotes: list[Quote] = field(default_factory=list)


class Seeder:
    def __init__(self, *, actor: str, at: dt.datetime) -> None:
        self.actor = actor
        self.at = at
        self.rng = random.Random(SEED)
        self.officers: dict[int, User] = {}
        self.suppliers: dict[int, User] = {}
        self.short: dict[int, str] = {}
        self.serial: dict[tuple[str, int], int] = {}

    # -- people and products ------------------------------------------------------------------------------

    def staff(self, org: Organization, role: Role, prefix: str) -> User:
        found = (
            Membership.objects.filter(organization=org, role=role, is_active=True)
            .select_related("user")
            .order_by("id")
        ).first()
        if found is not None:
            return found.user
        username = f"{prefix}{org.pk:05d}"
        user = User.objects.filter(username=username).first() or user_create(
            username=username, password=None, email=f"{username}@demo.zhengcai.invalid", actor=self.actor, at=self.at
        )
        membership_create(user=user, organization=org, role=role, actor=self.actor, at=self.at)
        return user

    def products(self, banks: list[Organization], first_day: dt.date) -> list[FinancingProduct]:
        published = _moment(first_day, 9)
        out: list[FinancingProduct] = []
        for bank in banks:
            self.officers[bank.pk] = officer = self.staff(bank, Role.BANK_OFFICER, "lender")
            rows = next((rows for prefix, rows in PRODUCTS.items() if bank.name.startswith(prefix)), None)
            rows = rows or [("BANK", "政采贷", "3.80", "4.80", "70", 365, ("medium", "small", "micro"))]
            self.short[bank.pk] = rows[0][0]
            existing = list(FinancingProduct.objects.filter(bank=bank))
            if existing:
                out += existing
                continue
            for _, name, low, high, share, term, sizes in rows:
                out.append(
                    services.product_publish(
                        bank=bank,
                        name=name,
                        rate_min=Decimal(low),
                        rate_max=Decimal(high),
                        max_share_percent=Decimal(share),
                        term_days=term,
                        eligible_sizes=list(sizes),
                        description="以政府采购合同为依据，无需抵押；回款进入银行指定的还款账户。",
                        actor=officer,
                        at=published,
                    )
                )
        return out

    # -- choosing the contracts -----------------------------------------------------------------------------

    def plans(self, contracts: list[Contract], products: list[FinancingProduct]) -> list[Plan]:
        value = sum(c.amount_fen for c in contracts)
        chance = min(1.0, 1.09 * TARGET_FEN / max(1, 0.75 * (1 - WITHDRAWN_SHARE - DECLINED_SHARE) * value))
        settled = _local(self.at) - dt.timedelta(days=16)  # room for the stages before ``at``
        open_now = [c for c in contracts if c.project.status == ProjectStatus.CONTRACTED and c.signed_on <= settled]
        pending = {c.pk: stage for c, stage in zip(reversed(open_now), PENDING_STAGES, strict=False)}
        plans = []
        for contract in contracts:
            rng = random.Random(f"{SEED}-{contract.pk}")
            stage = pending.get(contract.pk)
            if stage is None and rng.random() >= chance:
                continue
            fitting = [p for p in products if contract.supplier_size in p.eligible_sizes]
            by_bank: dict[int, FinancingProduct] = {}
            for p in rng.sample(fitting, len(fitting)):
                by_bank.setdefault(p.bank_id, p)
            chosen = list(by_bank.values())[: rng.choice([1, 2, 2, 3])]
            if not chosen:
                continue
            if stage is None:
                roll = rng.random()
                stage = (
                    ApplicationStatus.WITHDRAWN
                    if roll < WITHDRAWN_SHARE
                    else ApplicationStatus.DECLINED
                    if roll < WITHDRAWN_SHARE + DECLINED_SHARE
                    else ApplicationStatus.REPAID
                )
            user = self.suppliers.get(contract.supplier_id)
            if user is None:
                user = self.suppliers[contract.supplier_id] = self.staff(contract.supplier, Role.SUPPLIER_STAFF, "fin")
            plans.append(Plan(contract=contract, supplier_user=user, stop=stage, products=chosen, rng=rng))
        return plans

    # -- the acts --------------------------------------------------------------------------------------------

    def acts(self, plan: Plan) -> list[tuple[dt.datetime, Callable[[], None]]]:
        """The plan's acts up to ``at`` (later ones have not happened yet: the application waits there)."""
        return [(when, call) for when, call in self._acts(plan) if when <= self.at]

    def _acts(self, plan: Plan) -> list[tuple[dt.datetime, Callable[[], None]]]:  # noqa: PLR0911 - each stage stops here
        c, rng = plan.contract, plan.rng
        last_paid = Payment.objects.filter(contract=c).aggregate(day=Max("paid_on"))["day"]
        paid_up = c.project.status == ProjectStatus.COMPLETED
        if plan.stop in PENDING_STAGES:
            start = max(c.signed_on + dt.timedelta(days=2), _local(self.at) - dt.timedelta(days=rng.randint(12, 14)))
        else:
            start = c.signed_on + dt.timedelta(days=rng.randint(2, 20))
        t = _moment(start, rng.randint(9, 11), rng.randint(0, 59))
        if paid_up and last_paid is not None and _local(t) + dt.timedelta(days=15) >= last_paid:
            return []  # paid in full before a loan would have been paid out
        cap = min(p.max_share_percent for p in plan.products)
        share = Decimal(rng.randint(700, int(cap * 10))) / 1000
        amount = int((Decimal(c.amount_fen) * share / 10000).quantize(Decimal(1), rounding=ROUND_DOWN)) * 10000
        if amount <= 0:
            return []
        steps: list[tuple[dt.datetime, Callable[[], None]]] = []
        applied_at = t  # ``t`` moves on below; the application is made at this moment, not at the last one

        def apply() -> None:
            plan.application = services.application_apply(
                supplier=c.supplier,
                contract=c,
                amount_fen=amount,
                products=plan.products,
                consent_bank_ids={p.bank_id for p in plan.products if rng.random() < 0.8},
                purpose=rng.choice(["采购原材料", "支付货款及人工", "履约资金周转", "设备采购"]),
                submit=plan.stop != ApplicationStatus.DRAFT,
                actor=plan.supplier_user,
                at=applied_at,
            )

        steps.append((applied_at, apply))
        if plan.stop == ApplicationStatus.DRAFT:
            return steps
        t += dt.timedelta(days=rng.randint(1, 3), hours=rng.randint(0, 5))
        if plan.stop == ApplicationStatus.DECLINED:
            for p in plan.products:
                steps.append((t, self._decline(plan, p.bank_id, t)))
                t += dt.timedelta(hours=2)
            return steps
        if plan.stop == ApplicationStatus.SUBMITTED:
            return steps
        for i, p in enumerate(plan.products):
            rate = p.rate_min + (p.rate_max - p.rate_min) * Decimal(rng.randint(0, 100)) / 100
            rate = (rate * 20).quantize(Decimal(1), rounding=ROUND_DOWN) / 20
            offered = amount if i == 0 or rng.random() < 0.6 else amount * 9 // 10 // 10000 * 10000
            steps.append((t, self._quote(plan, p, offered, rate.quantize(Decimal("0.01")), t)))
            t += dt.timedelta(hours=rng.randint(1, 20))
        if plan.stop == ApplicationStatus.QUOTED:
            return steps
        t += dt.timedelta(days=1)
        if plan.stop == ApplicationStatus.WITHDRAWN:
            steps.append((t, functools.partial(self._withdraw, plan, t)))
            return steps
        steps.append((t, functools.partial(self._accept, plan, t)))
        if plan.stop == ApplicationStatus.ACCEPTED:
            return steps
        t += dt.timedelta(days=rng.randint(1, 4), hours=2)
        steps.append((t, functools.partial(self._approve, plan, t)))
        if plan.stop == ApplicationStatus.APPROVED:
            return steps
        t += dt.timedelta(days=rng.randint(1, 3))
        steps.append((t, functools.partial(self._disburse, plan, t)))
        if paid_up and last_paid is not None:
            repaid = max(last_paid + dt.timedelta(days=rng.randint(1, 5)), _local(t))
            closing = _moment(repaid, 15)
            steps.append((closing, functools.partial(self._repay, plan, closing)))
        return steps

    def _quote(
        self, plan: Plan, product: FinancingProduct, amount: int, rate: Decimal, t: dt.datetime
    ) -> Callable[[], None]:
        def call() -> None:
            assert plan.application is not None  # noqa: S101 - applied first
            term = min(product.term_days, plan.rng.choice([180, 270, 365]))
            plan.quotes.append(
                services.quote_submit(
                    application=plan.application,
                    bank=product.bank,
                    amount_fen=amount,
                    rate=rate,
                    term_days=term,
                    valid_until=_local(t) + dt.timedelta(days=15),
                    actor=self.officers[product.bank_id],
                    at=t,
                )
            )

        return call

    def _decline(self, plan: Plan, bank_id: int, t: dt.datetime) -> Callable[[], None]:
        def call() -> None:
            assert plan.application is not None  # noqa: S101
            services.application_decline(
                application=plan.application,
                bank=Organization.objects.get(pk=bank_id),
                reason=plan.rng.choice(["行业授信额度已满", "经营年限不足一年", "合同回款期超过产品期限"]),
                actor=self.officers[bank_id],
                at=t,
            )

        return call

    def _withdraw(self, plan: Plan, at: dt.datetime) -> None:
        assert plan.application is not None  # noqa: S101
        services.application_withdraw(application=plan.application, actor=plan.supplier_user, at=at)

    def _accept(self, plan: Plan, at: dt.datetime) -> None:
        best = min(plan.quotes, key=lambda q: (q.rate, -q.amount_fen, q.pk))
        services.quote_accept(quote=best, actor=plan.supplier_user, at=at)

    def _approve(self, plan: Plan, at: dt.datetime) -> None:
        assert plan.application is not None  # noqa: S101
        plan.application.refresh_from_db()
        quote = plan.application.accepted_quote
        assert quote is not None  # noqa: S101
        bank = quote.bank
        year = _local(at).year
        code = self.short.get(bank.pk, "BANK")
        self.serial[code, year] = n = self.serial.get((code, year), 0) + 1
        guarantor = None
        if plan.rng.random() < 0.15:
            guarantor = Organization.objects.filter(kind=OrganizationKind.GUARANTOR).order_by("id").first()
        services.application_approve(
            application=plan.application,
            bank=bank,
            agreement_number=f"{code}-ZCD-{year}-{n:04d}",
            account_name=f"{bank.name}政采贷还款专户",
            account_number=f"{16 + bank.pk % 80:02d}{plan.rng.randint(10**15, 10**16 - 1)}",
            account_bank_name=f"{bank.name}营业部",
            guarantor=guarantor,
            guarantee_fen=quote.amount_fen // 2 if guarantor else None,
            actor=self.officers[bank.pk],
            at=at,
        )

    def _disburse(self, plan: Plan, at: dt.datetime) -> None:
        assert plan.application is not None  # noqa: S101
        agreement = plan.application.agreement
        services.disbursement_record(
            application=plan.application,
            bank=agreement.bank,
            amount_fen=agreement.amount_fen,
            disbursed_on=_local(at),
            actor=self.officers[agreement.bank_id],
            at=at,
        )

    def _repay(self, plan: Plan, at: dt.datetime) -> None:
        assert plan.application is not None  # noqa: S101
        agreement = plan.application.agreement
        days = max(1, (_local(at) - agreement.disbursement.disbursed_on).days)
        interest = int(Decimal(agreement.amount_fen) * agreement.rate / 100 * days / 365)
        services.repayment_record(
            application=plan.application,
            bank=agreement.bank,
            amount_fen=agreement.amount_fen + interest,
            repaid_on=_local(at),
            actor=self.officers[agreement.bank_id],
            at=at,
        )


def seed_financing(*, actor: str, at: dt.datetime) -> dict[str, int]:
    """Products for the demo banks and applications on the demo contracts (all or nothing). Idempotent:
    when applications exist, nothing is added. Returns counts per status, the products and the total
    disbursed in fen (``raised_fen``)."""
    banks = list(Organization.objects.filter(kind=OrganizationKind.BANK).order_by("id"))
    contracts = list(
        Contract.objects.filter(
            project__status__in=[ProjectStatus.CONTRACTED, ProjectStatus.COMPLETED], signed_on__lte=_local(at)
        )
        .select_related("project", "supplier")
        .order_by("signed_on", "id")
    )
    if banks and not FinancingApplication.objects.exists():
        with transaction.atomic():
            seeder = Seeder(actor=actor, at=at)
            first = contracts[0].signed_on if contracts else _local(at)
            products = seeder.products(banks, min(first, _local(at)) - dt.timedelta(days=30))
            acts: list[tuple[dt.datetime, int, Callable[[], None]]] = []
            for plan in seeder.plans(contracts, products):
                acts += [(when, len(acts) + i, call) for i, (when, call) in enumerate(seeder.acts(plan))]
            for _when, _order, call in sorted(acts, key=lambda a: (a[0], a[1])):
                call()
    counts = {s: FinancingApplication.objects.filter(status=s).count() for s in ApplicationStatus.values}
    counts["products"] = FinancingProduct.objects.count()
    from zhengcai.financing.models import Disbursement

    counts["raised_fen"] = int(Disbursement.objects.aggregate(total=Sum("amount_fen"))["total"] or 0)
    return counts
