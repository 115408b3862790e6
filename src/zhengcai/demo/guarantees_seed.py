"""Demo letters of guarantee, issued through the guarantees services over the demo procurement.

Every bank and guarantor gets an officer (the demo logins where they exist) and a platform-kept key;
the first guarantor rotates its key half-way through the timeline. Bid guarantees are issued for bids
while their tenders are open, performance guarantees after contracts are signed, each at its planned time
and in date order, then accepted, released, claimed and expired as the procurement went on — so every
status appears and every act is audited. Deterministic; does nothing when guarantees already exist.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from zhengcai.accounts.models import Membership, User
from zhengcai.accounts.services import membership_create, user_create
from zhengcai.core import calendar
from zhengcai.core.permissions import Role
from zhengcai.guarantees import services
from zhengcai.guarantees.models import Guarantee
from zhengcai.organizations.models import Organization, OrganizationKind, OrganizationStatus
from zhengcai.procurement import rules
from zhengcai.procurement.models import Bid, BidStatus, Contract, ProjectStatus
from zhengcai.securities import services as securities
from zhengcai.securities.models import PerformanceSecurity, SecurityForm

from . import data

TARGET = 1000
TRANSFER_SHARE = 0.25  # of the contracts without a performance guarantee: security paid by bank transfer
OFFICER_ROLE = {OrganizationKind.BANK: Role.BANK_OFFICER, OrganizationKind.GUARANTOR: Role.GUARANTOR_OFFICER}


@dataclass(order=True)
class Act:
    at: dt.datetime
    order: int
    run: Callable[[], Any]


def _officers(institutions: list[Organization], *, actor: str, at: dt.datetime) -> dict[int, User]:
    officers: dict[int, User] = {}
    for m in Membership.objects.filter(
        organization__in=institutions, is_active=True, role__in=list(OFFICER_ROLE.values())
    ).select_related("user"):
        officers.setdefault(m.organization_id, m.user)
    for org in institutions:
        if org.pk in officers:
            continue
        username = f"guarantee{org.pk:05d}"
        user = User.objects.filter(username=username).first() or user_create(
            username=username,
            password=None,
            email=f"{username}@demo.zhengcai.invalid",
            display_name=f"{org.name[:12]}（保函经办）",
            actor=actor,
            at=at,
        )
        membership_create(
            user=user,
            organization=org,
            role=OFFICER_ROLE[OrganizationKind(org.kind)],
            title="保函经办",
            actor=actor,
            at=at,
        )
        officers[org.pk] = user
    return officers


def _managers() -> dict[int, User]:
    """Who acts for each purchaser or agency (the demo procurement's staff)."""
    people: dict[int, User] = {}
    for m in (
        Membership.objects.filter(is_active=True, role__in=[Role.PURCHASER_STAFF, Role.AGENCY_STAFF])
        .select_related("user")
        .order_by("id")
    ):
        people.setdefault(m.organization_id, m.user)
    return people


def _local(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _at_day(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, 0))


def seed_guarantees(*, actor: str, at: dt.datetime, target: int = TARGET) -> dict[str, int]:
    """Issue about ``target`` guarantees over the demo procurement up to ``at`` (the demo's now)."""
    if Guarantee.objects.exists():
        return dict(Counter(Guarantee.objects.values_list("status", flat=True)))
    institutions = list(
        Organization.objects.filter(
            kind__in=list(OFFICER_ROLE), status=OrganizationStatus.ACTIVE, credit_code__isnull=False
        ).order_by("kind", "id")
    )
    bids = list(
        Bid.objects.filter(tender__project__bid_security_fen__gt=0)
        .exclude(tender__project__status__in=[ProjectStatus.DRAFT, ProjectStatus.TERMINATED])
        .exclude(status=BidStatus.REPLACED)
        .select_related("tender__project__purchaser", "supplier")
        .order_by("submitted_at", "id")
    )
    contracts = list(
        Contract.objects.select_related("project__purchaser", "award", "supplier").order_by("signed_on", "id")
    )
    if not institutions or not (bids or contracts):
        return {}
    rng = random.Random(data.SEED + 11)
    n_perf = min(len(contracts) * 3 // 4, target * 2 // 5)  # leave some for securities paid by transfer
    others = contracts
    contracts = sorted(rng.sample(contracts, n_perf), key=lambda c: (c.signed_on, c.pk))
    bids = sorted(rng.sample(bids, min(len(bids), target - n_perf)), key=lambda b: (b.submitted_at, b.pk))
    first = min([b.tender.published_at for b in bids] + [_at_day(c.signed_on, 9) for c in contracts])
    with transaction.atomic():
        officers = _officers(institutions, actor=actor, at=first - dt.timedelta(days=2))
        managers = _managers()
        for org in institutions:
            services.issuer_key_generate(institution=org, actor=officers[org.pk], at=first - dt.timedelta(days=1))
        rotated = next(o for o in institutions if o.kind == OrganizationKind.GUARANTOR)
        middle = first + (at - first) / 2
        acts: list[Act] = [
            Act(
                middle,
                0,
                lambda: services.issuer_key_generate(institution=rotated, actor=officers[rotated.pk], at=middle),
            )
        ]
        for i, bid in enumerate(bids):
            acts.extend(_bid_acts(bid, i, rng, institutions, officers, managers, now=at))
        for i, contract in enumerate(contracts):
            acts.extend(_performance_acts(contract, i, rng, institutions, officers, managers, now=at))
        by_guarantee, cash = {c.pk for c in contracts}, random.Random(data.SEED + 12)
        for contract in others:
            if contract.pk not in by_guarantee and cash.random() < TRANSFER_SHARE:
                acts.extend(_transfer_acts(contract, cash, managers, now=at))
        for act in sorted(acts, key=lambda a: (a.at, a.order)):
            act.run()
        services.guarantees_expire(at=at)
    return dict(Counter(Guarantee.objects.values_list("status", flat=True)))


def _bid_acts(
    bid: Bid,
    i: int,
    rng: random.Random,
    institutions: list[Organization],
    officers: dict[int, User],
    managers: dict[int, User],
    *,
    now: dt.datetime,
) -> list[Act]:
    project = bid.tender.project
    issuer = rng.choice(institutions)
    issued_at = max(bid.submitted_at - dt.timedelta(hours=2), bid.tender.published_at + dt.timedelta(minutes=30))
    deadline_day = _local(bid.tender.deadline)
    short = rng.random() < 0.15  # some run out before they are released: the tick expires them
    valid_until = deadline_day + dt.timedelta(days=20 if short else 120)
    amount = min(project.bid_security_fen, rules.bid_security_cap(project.budget_fen))
    box: dict[str, Guarantee] = {}

    def issue() -> None:
        box["g"] = services.guarantee_issue(
            issuer=issuer,
            kind="bid",
            project=project,
            applicant=bid.supplier,
            amount_fen=amount,
            valid_from=_local(issued_at),
            valid_until=valid_until,
            actor=officers[issuer.pk],
            at=issued_at,
        )

    acts = [Act(issued_at, 1, issue)]
    manager = managers.get(project.purchaser_id) or (managers.get(project.agency_id) if project.agency_id else None)
    if manager is None or i % 9 == 0:  # some are never presented: they stay issued until they run out
        return acts
    accept_at = max(bid.submitted_at, issued_at) + dt.timedelta(minutes=5)
    acts.append(Act(accept_at, 2, lambda: services.guarantee_accept(guarantee=box["g"], actor=manager, at=accept_at)))
    release_at = bid.tender.deadline + dt.timedelta(days=10)  # S-BID-REFUND-5WD: back after the award
    if not short and release_at <= now and project.status not in {ProjectStatus.TENDERING, ProjectStatus.OPENED}:
        acts.append(
            Act(release_at, 3, lambda: services.guarantee_release(guarantee=box["g"], actor=manager, at=release_at))
        )
    return acts


def _performance_acts(
    contract: Contract,
    i: int,
    rng: random.Random,
    institutions: list[Organization],
    officers: dict[int, User],
    managers: dict[int, User],
    *,
    now: dt.datetime,
) -> list[Act]:
    project = contract.project
    issuer = rng.choice(institutions)
    issued_at = max(_at_day(contract.signed_on, 16), contract.created_at + dt.timedelta(minutes=10))
    if issued_at > now:
        return []
    share = rng.choice([1, 2, 3, 5])  # percent: the policy target is about 1 % (S-PERF-10PCT caps it at 10 %)
    amount = max(1, contract.amount_fen * share // 100)
    box: dict[str, Any] = {}  # the guarantee, then the security

    def issue() -> None:
        box["g"] = services.guarantee_issue(
            issuer=issuer,
            kind="performance",
            project=project,
            contract=contract,
            applicant=contract.supplier,
            amount_fen=amount,
            valid_from=contract.signed_on,
            valid_until=contract.signed_on + dt.timedelta(days=365),
            actor=officers[issuer.pk],
            at=issued_at,
        )

    acts = [Act(issued_at, 1, issue)]
    manager = managers.get(project.purchaser_id)
    accept_at = issued_at + dt.timedelta(hours=20)
    if manager is None or accept_at > now:
        return acts

    def record() -> None:
        """The purchaser records it as the contract's performance security (the securities app verifies and
        accepts the guarantee)."""
        box["security"] = securities.performance_security_record(
            contract=contract,
            form=SecurityForm.GUARANTEE,
            amount_fen=amount,
            reference=box["g"].number,
            provided_on=_local(accept_at),
            actor=manager,
            at=accept_at,
        )

    acts.append(Act(accept_at, 2, record))
    claim_at = accept_at + dt.timedelta(days=60)
    if i % 37 == 5 and claim_at <= now:
        acts.append(
            Act(
                claim_at,
                3,
                lambda: services.guarantee_claim(
                    guarantee=box["g"],
                    amount_fen=max(1, amount // 2),
                    reason="供应商未按合同约定期限交付，经催告仍未履行",
                    actor=manager,
                    at=claim_at,
                ),
            )
        )
    elif contract.accepted_on is not None and contract.acceptance_passed:
        release_at = _at_day(contract.accepted_on, 15) + dt.timedelta(days=5)
        if accept_at < release_at <= now:
            acts.append(Act(release_at, 3, lambda: _give_back(box["security"], manager, release_at)))
    return acts


def _give_back(security: PerformanceSecurity, manager: User, at: dt.datetime) -> None:
    """Returned after the acceptance (PERF-REFUND-5WD): the securities app releases the guarantee."""
    securities.performance_security_refund(security=security, refunded_on=_local(at), actor=manager, at=at)


def _transfer_acts(
    contract: Contract, rng: random.Random, managers: dict[int, User], *, now: dt.datetime
) -> list[Act]:
    """A performance security paid by bank transfer (the old way), recorded the day after signing and
    returned after the acceptance."""
    manager = managers.get(contract.project.purchaser_id)
    recorded_at = _at_day(contract.signed_on + dt.timedelta(days=1), 11)
    if manager is None or recorded_at > now:
        return []
    amount = max(1, contract.amount_fen * rng.choice([2, 5, 5, 10]) // 100)
    box: dict[str, PerformanceSecurity] = {}

    def record() -> None:
        box["security"] = securities.performance_security_record(
            contract=contract,
            form=SecurityForm.TRANSFER,
            amount_fen=amount,
            reference=f"转账{contract.pk:06d}",
            provided_on=_local(recorded_at),
            actor=manager,
            at=recorded_at,
        )

    acts = [Act(recorded_at, 2, record)]
    if contract.accepted_on is not None and contract.acceptance_passed:
        refund_at = _at_day(calendar.add_working_days(contract.accepted_on, rng.choice([1, 2, 3, 4, 7])), 15)
        if refund_at <= now:
            acts.append(Act(refund_at, 3, lambda: _give_back(box["security"], manager, refund_at)))
    return acts
