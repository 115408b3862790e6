"""Build an OCDS release from the current state of a procurement (DOMAIN.md "OCDS mapping hints").

- ocid = ``ZC_OCID_PREFIX`` + "-" + project number; a published intention (D-INTENT-30D) before any
  project has its own process, ``ZC_OCID_PREFIX-INT-<intention id>``, linked from the project's
  ``relatedProcesses`` with relationship ``planning``.
- Methods: 公开招标→open, 邀请招标→selective, 单一来源→direct, 谈判/磋商/询价→limited (``rules.METHOD_RULES``),
  the Chinese name in ``procurementMethodDetails``; categories A/B/C → goods/works/services; the
  catalogue code in ``items[].classification`` with the local scheme ``CN-ZFCGPM``.
- ``planning.budget.amount`` is the budget; ``tender.value`` (and the local ``tender.maximumPrice``) is
  the maximum price (最高限价); bid security goes in ``submissionTerms.depositsGuarantees`` (S-BID-2PCT).
- Parties: buyer, procuringEntity, tenderer, supplier, payer, payee, with ``details.scale`` as declared
  in this procedure (SME-DECLARE: at bidding, fixed at contract date).
- Bids (statistics and details, with prices) only from the opening record, which exists only after the
  deadline: nothing about bids is public before the opening.
- Amounts are CNY from integer fen as ``Decimal`` with exactly two places.

Each release carries the whole public state at its date, so a consumer needs no other release to read
it; the record's compiled release is the same state merged by the OCDS rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from zhengcai.organizations.models import EnterpriseSize, Organization
from zhengcai.procurement.models import (
    Award,
    BidOpening,
    Challenge,
    Complaint,
    Contract,
    EvaluationMethod,
    Intention,
    IntentionStatus,
    Project,
    ProjectStatus,
    Tender,
    TenderDocument,
)
from zhengcai.procurement.rules import METHOD_RULES, Category, Method, fen_to_yuan
from zhengcai.procurement.selectors import project_documents

CURRENCY = "CNY"
LANGUAGE = "zh"
CATALOGUE_SCHEME = "CN-ZFCGPM"  # 政府采购品目分类目录, documented in the local extension's codelist
IDENTIFIER_SCHEME = "CN-USCC"  # 统一社会信用代码 (GB 32100-2015)
SME_SIZES = {EnterpriseSize.MEDIUM, EnterpriseSize.SMALL, EnterpriseSize.MICRO}

METHOD_ZH: dict[str, str] = {
    Method.OPEN_TENDER: "公开招标",
    Method.INVITED_TENDER: "邀请招标",
    Method.NEGOTIATION: "竞争性谈判",
    Method.CONSULTATION: "竞争性磋商",
    Method.INQUIRY: "询价",
    Method.SINGLE_SOURCE: "单一来源",
    Method.FRAMEWORK: "框架协议",
}
CATEGORY_OCDS: dict[str, str] = {Category.GOODS: "goods", Category.WORKS: "works", Category.SERVICES: "services"}
AWARD_CRITERIA: dict[str, tuple[str, str]] = {
    EvaluationMethod.LOWEST_PRICE: ("priceOnly", "最低评标价法"),
    EvaluationMethod.SCORING: ("ratedCriteria", "综合评分法"),
}
TENDER_STATUS: dict[str, str] = {
    ProjectStatus.DRAFT: "planning",
    ProjectStatus.TENDERING: "active",
    ProjectStatus.OPENED: "active",
    ProjectStatus.EVALUATED: "active",
    ProjectStatus.AWARDED: "complete",
    ProjectStatus.CONTRACTED: "complete",
    ProjectStatus.COMPLETED: "complete",
    ProjectStatus.FAILED: "unsuccessful",
    ProjectStatus.TERMINATED: "cancelled",
}
# OCDS contract status: "terminated" is a contract that ran its course; "cancelled" one revoked before it.
CONTRACT_STATUS: dict[str, str] = {
    ProjectStatus.COMPLETED: "terminated",
    ProjectStatus.TERMINATED: "cancelled",
}
DOCUMENT_TYPE: dict[str, str] = {
    TenderDocument.Kind.TENDER_DOCUMENTS: "biddingDocuments",
    TenderDocument.Kind.CLARIFICATION: "clarifications",
}
ROLE_ORDER = ("buyer", "procuringEntity", "tenderer", "supplier", "payer", "payee", "guarantor")


def ocid_prefix() -> str:
    return str(settings.ZC_OCID_PREFIX)


def project_ocid(project: Project) -> str:
    return f"{ocid_prefix()}-{project.number}"


def intention_ocid(intention: Intention) -> str:
    return f"{ocid_prefix()}-INT-{intention.pk}"


def money(fen: int) -> dict[str, Any]:
    """Integer fen → CNY with exactly two decimal places (``Decimal``, never float)."""
    return {"amount": Decimal(int(fen)).scaleb(-2), "currency": CURRENCY}


def when(moment: dt.datetime) -> str:
    """An instant in Asia/Shanghai, to the second: ``2026-04-01T08:00:00+08:00``."""
    return timezone.localtime(moment).isoformat(timespec="seconds")


def day(date: dt.date) -> str:
    """A calendar date as the start of that day in Asia/Shanghai."""
    return when(timezone.make_aware(dt.datetime.combine(date, dt.time())))


@dataclass(frozen=True, slots=True)
class OrgInfo:
    """What a release says about an organization, read from an ``Organization`` or straight from a row
    (the tenderers of a large opening are read as rows, not as model instances)."""

    pk: int
    name: str
    credit_code: str | None
    address: str
    locality: str  # the name of the organization's region

    @classmethod
    def of(cls, org: Organization) -> OrgInfo:
        return cls(org.pk, org.name, org.credit_code, org.address, org.region.name)


def party_id(org: Organization | OrgInfo) -> str:
    """Stable within and across processes (a credit code may be added later; the platform id never changes)."""
    return f"ZC-ORG-{org.pk}"


def org_ref(org: Organization | OrgInfo) -> dict[str, Any]:
    return {"id": party_id(org), "name": org.name}


class _Compact(list[Any]):
    """A list built with no ``None`` and no empty object or array anywhere inside: ``_compact`` copies it
    without walking it (the tenderers, bids and parties of an opening, one entry per bid)."""


def _compact(value: Any) -> Any:
    """Leave out ``None`` and empty objects/arrays: a release never publishes ``null``.

    Scalars are handled in the loop, without a call each, and a ``_Compact`` list is taken as it is:
    a release of a large opening has hundreds of thousands of values."""
    if isinstance(value, _Compact):
        return list(value)
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            if item is None:
                continue
            if isinstance(item, dict | list):
                inner = _compact(item)
                if inner:  # an object or array left empty is left out
                    out[key] = inner
            else:
                out[key] = item
        return out
    if isinstance(value, list):
        return [_compact(item) if isinstance(item, dict | list) else item for item in value if item is not None]
    return value


class _Parties:
    def __init__(self) -> None:
        self._orgs: dict[int, OrgInfo] = {}
        self._roles: dict[int, set[str]] = {}
        self._scale: dict[int, str] = {}

    def add(self, org: Organization | OrgInfo, role: str, *, scale: str = "") -> None:
        if org.pk not in self._orgs:
            self._orgs[org.pk] = org if isinstance(org, OrgInfo) else OrgInfo.of(org)
        self._roles.setdefault(org.pk, set()).add(role)
        if scale:
            self._scale[org.pk] = scale

    def as_list(self) -> _Compact:
        """The parties, already compact: an empty address line or role list is left out here."""
        out = _Compact()
        for pk, org in self._orgs.items():
            party: dict[str, Any] = {"id": party_id(org), "name": org.name}
            if org.credit_code:
                party["identifier"] = {"scheme": IDENTIFIER_SCHEME, "id": org.credit_code, "legalName": org.name}
            address = {"streetAddress": org.address} if org.address else {}
            party["address"] = {**address, "locality": org.locality, "countryName": "中国"}
            roles = [role for role in ROLE_ORDER if role in self._roles[pk]]
            if roles:
                party["roles"] = roles
            if pk in self._scale:
                party["details"] = {"scale": self._scale[pk]}  # partyDetails_scale: micro/small/medium/large
            out.append(party)
        return out


@dataclass(frozen=True)
class Subject:
    """What a release is about: the process (ocid), its project if any, and the region for filtering."""

    ocid: str
    project: Project | None
    region_code: str


def subject_of(project_or_intention: Project | Intention) -> Subject:
    if isinstance(project_or_intention, Project):
        p = project_or_intention
        return Subject(project_ocid(p), p, p.region.code)
    return Subject(intention_ocid(project_or_intention), None, project_or_intention.region.code)


def _published_intention(intention: Intention | None) -> Intention | None:
    if intention is None or intention.status != IntentionStatus.PUBLISHED or intention.published_at is None:
        return None
    return intention


def intention_body(intention: Intention) -> dict[str, Any] | None:
    """The planning process of a published intention (D-INTENT-30D): name, demand, budget, expected time."""
    if _published_intention(intention) is None:
        return None
    assert intention.published_at is not None  # noqa: S101 - checked just above, for mypy
    parties = _Parties()
    parties.add(intention.purchaser, "buyer")
    return {
        "initiationType": "tender",
        "language": LANGUAGE,
        "parties": parties.as_list(),
        "buyer": org_ref(intention.purchaser),
        "planning": {
            "rationale": intention.demand_summary,
            "budget": {"description": "预算金额", "amount": money(intention.budget_fen)},
            "documents": [
                {
                    "id": "intention-notice",
                    "documentType": "plannedProcurementNotice",
                    "title": f"{intention.title} 采购意向",
                    "datePublished": when(intention.published_at),
                    "language": LANGUAGE,
                }
            ],
        },
        "tender": {
            "id": f"INT-{intention.pk}",
            "title": intention.title,
            "description": intention.demand_summary,
            "status": "planning",
            "tenderPeriod": {"startDate": day(intention.expected_month)},
        },
    }


def _tender(project: Project, tender: Tender, parties: _Parties) -> dict[str, Any]:
    runner = project.agency or project.purchaser
    parties.add(runner, "procuringEntity")
    criteria, criteria_zh = AWARD_CRITERIA[project.evaluation_method]
    deposits = (
        f"投标保证金 {fen_to_yuan(project.bid_security_fen)} 元（不超过预算的2%，可用保函；S-BID-2PCT）"
        if project.bid_security_fen
        else "不收取投标保证金"
    )
    documents: list[dict[str, Any]] = [
        {
            "id": "tender-notice",
            "documentType": "tenderNotice",
            "title": f"{project.title} 采购公告",
            "datePublished": when(tender.published_at),
            "language": LANGUAGE,
        }
    ]
    for doc in project_documents(project=project):
        documents.append(
            {
                "id": f"doc-{doc.pk}",
                "documentType": DOCUMENT_TYPE.get(doc.kind),
                "title": doc.title,
                "description": f"SHA-256 {doc.sha256}",
                "datePublished": when(doc.uploaded_at),
                "format": doc.content_type,
                "language": LANGUAGE,
            }
        )
    amendments = [
        {
            "id": f"correction-{c.pk}",
            "date": when(c.published_at),
            "rationale": "更正公告",
            "description": c.text
            + (
                f"（投标截止时间延至 {when(c.deadline_after)}，M-CORR-15D）"
                if c.deadline_after != c.deadline_before
                else ""
            ),
        }
        for c in tender.corrections.order_by("published_at", "id")
    ]
    return {
        "id": project.number,
        "title": project.title,
        "description": tender.notice_text,
        "status": TENDER_STATUS[project.status],
        "procuringEntity": org_ref(runner),
        "items": [
            {
                "id": "1",
                "description": project.title,
                "classification": {"scheme": CATALOGUE_SCHEME, "id": project.catalogue_code},
            }
        ],
        "value": money(project.max_price_fen),
        "maximumPrice": money(project.max_price_fen),
        "procurementMethod": METHOD_RULES[Method(project.method)].ocds_method,
        "procurementMethodDetails": METHOD_ZH[project.method],
        "mainProcurementCategory": CATEGORY_OCDS[project.category],
        "awardCriteria": criteria,
        "awardCriteriaDetails": criteria_zh,
        "submissionMethod": ["electronicSubmission"],
        "submissionMethodDetails": "加密电子投标文件，开标时在线解密",
        "tenderPeriod": {"startDate": when(tender.published_at), "endDate": when(tender.deadline)},
        "submissionTerms": {"electronicSubmissionPolicy": "required", "depositsGuarantees": deposits},
        "bidOpening": {"date": when(tender.deadline), "description": "投标截止时间即开标时间，在线开标"},
        "techniques": {"hasFrameworkAgreement": True} if project.method == Method.FRAMEWORK else None,
        "documents": documents,
        "amendments": amendments,
        "smeReserved": project.sme_reserved,
        "smePriceDeductionPercent": Decimal(project.sme_deduction_percent).quantize(Decimal("0.01")),
        "numberOfChallenges": Challenge.objects.filter(project=project).count(),
        "numberOfComplaints": Complaint.objects.filter(challenge__project=project).count(),
    }


@dataclass(frozen=True, slots=True)
class _OpeningLine:
    """One line of the opening record with what a release shows of it and of its bid and bidder."""

    bid_id: int
    price_fen: int
    valid: bool
    rank: int | None
    opened_at: dt.datetime
    submitted_at: dt.datetime
    supplier_size: str
    supplier: OrgInfo


_OPENING_LINE_FIELDS = (
    "bid_id",
    "price_fen",
    "valid",
    "rank",
    "opened_at",
    "bid__submitted_at",
    "bid__supplier_size",
    "bid__supplier_id",
    "bid__supplier__name",
    "bid__supplier__credit_code",
    "bid__supplier__address",
    "bid__supplier__region__name",
)


def _opening_lines(tender: Tender, at: dt.datetime) -> list[_OpeningLine]:
    """The opening record as ``procurement.selectors.project_opening_record`` gives it — the same rule
    (nothing before the deadline) and the same order — read as plain rows: a release of an opening of
    10,000 bids would otherwise build 40,000 model instances (line, bid, supplier, region)."""
    if at < tender.deadline:
        return []
    rows = (
        BidOpening.objects.filter(tender=tender)
        .order_by("rank", "bid__submitted_at", "id")
        .values_list(*_OPENING_LINE_FIELDS)
    )
    return [
        _OpeningLine(
            bid_id, price_fen, valid, rank, opened_at, submitted_at, size, OrgInfo(sid, name, code, address, locality)
        )
        for (bid_id, price_fen, valid, rank, opened_at, submitted_at, size, sid, name, code, address, locality) in rows
    ]


def _bids(lines: list[_OpeningLine], tender_obj: dict[str, Any], parties: _Parties) -> dict[str, Any]:
    """After the opening only: the opening record (开标记录) with prices, and its statistics."""
    opened_at = min(line.opened_at for line in lines)
    evaluated = any(line.rank is not None for line in lines)
    for line in lines:
        parties.add(line.supplier, "tenderer", scale=line.supplier_size)
    tender_obj["bidOpening"] = {"date": when(opened_at), "description": "已在线解密开标"}
    tender_obj["numberOfTenderers"] = len({line.supplier.pk for line in lines})
    tender_obj["tenderers"] = _Compact(org_ref(line.supplier) for line in lines)
    valid = [line for line in lines if line.valid]
    stats: list[dict[str, Any]] = [
        {"id": "bids", "measure": "bids", "value": len(lines), "date": when(opened_at)},
        {
            "id": "smeBids",
            "measure": "smeBids",
            "value": sum(1 for line in lines if line.supplier_size in SME_SIZES),
            "date": when(opened_at),
        },
    ]
    if evaluated:
        stats.append({"id": "validBids", "measure": "validBids", "value": len(valid), "date": when(opened_at)})
    if valid:
        for measure, fen in (
            ("lowestValidBidValue", min(line.price_fen for line in valid)),
            ("highestValidBidValue", max(line.price_fen for line in valid)),
        ):
            stats.append({"id": measure, "measure": measure, "value": money(fen)["amount"], "currency": CURRENCY})

    def status(line: _OpeningLine) -> str:
        if not evaluated:
            return "pending"
        return "valid" if line.valid else "disqualified"

    details = _Compact(
        {
            "id": f"bid-{line.bid_id}",
            "date": when(line.submitted_at),
            "status": status(line),
            "tenderers": [org_ref(line.supplier)],
            "value": money(line.price_fen),
        }
        for line in lines
    )
    return {"statistics": stats, "details": details}


def _award(project: Project, award: Award, parties: _Parties, contract: Contract | None) -> dict[str, Any]:
    supplier = award.winning_bid.supplier
    parties.add(supplier, "supplier", scale=contract.supplier_size if contract else award.winning_bid.supplier_size)
    documents = []
    if award.result_published_at is not None:
        documents.append(
            {
                "id": "result-notice",
                "documentType": "awardNotice",
                "title": f"{project.title} 中标（成交）结果公告",
                "datePublished": when(award.result_published_at),
                "language": LANGUAGE,
            }
        )
    return {
        "id": f"award-{award.pk}",
        "title": f"{project.title} 中标（成交）结果",
        "status": "cancelled"  # voided with the procurement (an upheld complaint, 94号令 art. 32)
        if project.status == ProjectStatus.TERMINATED
        else "active"
        if award.result_published_at is not None
        else "pending",
        "date": when(award.determined_at),
        "value": money(award.amount_fen),
        "suppliers": [org_ref(supplier)],
        "relatedBid": f"bid-{award.winning_bid_id}",
        "documents": documents,
    }


def _contract(project: Project, contract: Contract, parties: _Parties) -> dict[str, Any]:
    payments = list(contract.payments.order_by("paid_on", "id"))
    if payments:
        parties.add(project.purchaser, "payer")
        parties.add(contract.supplier, "payee", scale=contract.supplier_size)
    paid = sum(p.amount_fen for p in payments)
    milestones: list[dict[str, Any]] = []
    if contract.accepted_on is not None:
        milestones.append(
            {
                "id": "acceptance",
                "title": "履约验收",
                "type": "delivery",
                "description": contract.acceptance_note or None,
                "status": "met" if contract.acceptance_passed else "notMet",
                "dateMet": day(contract.accepted_on) if contract.acceptance_passed else None,
                "dateModified": day(contract.accepted_on),
            }
        )
    if contract.payment_due is not None:
        milestones.append(
            {
                "id": "payment-due",
                "title": "付款期限（P-SME-30D）",
                "type": "payment",
                "dueDate": day(contract.payment_due),
                "status": "met" if paid >= contract.amount_fen else "scheduled",
            }
        )
    documents = []
    if contract.published_at is not None:
        documents.append(
            {
                "id": "contract-notice",
                "documentType": "contractNotice",
                "title": f"{project.title} 合同公告",
                "datePublished": when(contract.published_at),
                "language": LANGUAGE,
            }
        )
    return {
        "id": f"contract-{contract.pk}",
        "awardID": f"award-{contract.award_id}",
        "title": f"{project.title} 政府采购合同",
        "status": CONTRACT_STATUS.get(project.status, "active"),
        "value": money(contract.amount_fen),
        "dateSigned": day(contract.signed_on),
        "documents": documents,
        "amendments": [
            {
                "id": f"contract-change-{a.pk}",
                "date": when(a.published_at),
                "rationale": a.rationale,
                "description": f"{a.description}（合同金额 {fen_to_yuan(a.amount_before_fen)} → "
                f"{fen_to_yuan(a.amount_after_fen)} 元）",
            }
            for a in contract.amendments.order_by("changed_on", "id")
        ],
        "implementation": {
            "milestones": milestones,
            "transactions": [
                {
                    "id": f"payment-{p.pk}",
                    "date": day(p.paid_on),
                    "value": money(p.amount_fen),
                    "payer": org_ref(project.purchaser),
                    "payee": org_ref(contract.supplier),
                }
                for p in payments
            ],
        },
    }


def project_body(project: Project, at: dt.datetime) -> dict[str, Any] | None:
    """The public state of a project's process at ``at``; ``None`` while nothing of it is public
    (no tender notice and no published intention: D-INTENT-30D is the first disclosure)."""
    project = Project.objects.select_related("purchaser__region", "agency__region", "intention", "region").get(
        pk=project.pk
    )
    intention = _published_intention(project.intention)
    tender = Tender.objects.filter(project=project).first()
    if tender is None and intention is None:
        return None
    parties = _Parties()
    parties.add(project.purchaser, "buyer")
    body: dict[str, Any] = {"initiationType": "tender", "language": LANGUAGE, "buyer": org_ref(project.purchaser)}
    planning: dict[str, Any] = {"budget": {"description": "预算金额", "amount": money(project.budget_fen)}}
    if intention is not None:
        planning["rationale"] = intention.demand_summary
        body["relatedProcesses"] = [
            {
                "id": f"INT-{intention.pk}",
                "relationship": ["planning"],
                "title": intention.title,
                "scheme": "ocid",
                "identifier": intention_ocid(intention),
            }
        ]
    body["planning"] = planning
    if tender is None:
        assert intention is not None  # noqa: S101 - the early return above, for mypy
        body["tender"] = {
            "id": project.number,
            "title": project.title,
            "status": "planning",
            "tenderPeriod": {"startDate": day(intention.expected_month)},
        }
    else:
        tender_obj = _tender(project, tender, parties)
        body["tender"] = tender_obj
        lines = _opening_lines(tender, at)  # empty before the deadline
        if lines:
            body["bids"] = _bids(lines, tender_obj, parties)
        award = Award.objects.filter(project=project).select_related("winning_bid__supplier__region").first()
        contract = Contract.objects.filter(project=project).select_related("supplier__region").first()
        if award is not None:
            body["awards"] = [_award(project, award, parties, contract)]
        if contract is not None:
            body["contracts"] = [_contract(project, contract, parties)]
        _place_guarantees(project, body, parties, opened=bool(lines))
    body["parties"] = parties.as_list()
    return body


def _place_guarantees(project: Project, body: dict[str, Any], parties: _Parties, *, opened: bool) -> None:
    """Accepted (and later) letters of guarantee: bid guarantees under the tender — only after the opening,
    since they name the bidders — and performance guarantees under the contract (the local extension's
    ``guarantees``, after the community guarantees extension)."""
    from zhengcai.guarantees.selectors import ocds_guarantees  # guarantees builds on procurement, not on us

    items = [
        g
        for g in ocds_guarantees(project)
        if g["status"] != "issued" and (opened or g["obligations"] != "bidSecurity")
    ]
    if not items:
        return
    issuers = {int(g["guarantor"]["id"].rsplit("-", 1)[1]) for g in items}
    for issuer in Organization.objects.select_related("region").filter(pk__in=issuers):
        parties.add(issuer, "guarantor")
    bid = [g for g in items if g["obligations"] == "bidSecurity"]
    performance = [g for g in items if g["obligations"] != "bidSecurity"]
    if bid:
        body["tender"]["guarantees"] = bid
    if performance and body.get("contracts"):
        body["contracts"][0]["guarantees"] = performance


def release_body(subject: Project | Intention, at: dt.datetime) -> dict[str, Any] | None:
    body = project_body(subject, at) if isinstance(subject, Project) else intention_body(subject)
    return None if body is None else dict(_compact(body))
