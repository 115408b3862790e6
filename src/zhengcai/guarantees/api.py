"""The guarantees app's JSON API operations (registered in zhengcai.config.api).

Issuance for banks' and guarantors' systems (token per institution, Idempotency-Key on every write):
``POST /guarantees`` signs with the institution's platform-kept key; with a key the institution holds,
``POST /guarantees/prepare`` returns the canonical text and ``POST /guarantees/sign`` sends its signature.
Verification is public: ``GET /guarantees/verify?payload=…`` or ``?number=…``.
"""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status

from zhengcai.core import clock
from zhengcai.core.errors import ServiceError
from zhengcai.core.permissions import P, api_permission
from zhengcai.integrations.idempotency import idempotent
from zhengcai.organizations.models import Organization
from zhengcai.procurement.models import Project

from . import selectors, services, signing
from .errors import GuaranteeError
from .models import Guarantee, GuaranteeKind, IssuerKey

router = Router(tags=["guarantees"])


class GuaranteeIn(Schema):
    kind: str  # "bid" or "performance"
    project_number: str
    applicant_credit_code: str
    amount_fen: int
    valid_from: dt.date
    valid_until: dt.date


class GuaranteeOut(Schema):
    number: str
    kind: str
    status: str
    issuer: str
    applicant: str
    beneficiary: str
    project_number: str
    amount_fen: int
    valid_from: dt.date
    valid_until: dt.date
    issued_at: dt.datetime
    kid: str
    canonical: str
    signature: str
    payload: str
    verify_url: str


class GuaranteeRow(Schema):
    number: str
    kind: str
    status: str
    issuer: str
    applicant: str
    beneficiary: str
    project_number: str
    amount_fen: int
    valid_from: dt.date
    valid_until: dt.date
    issued_at: dt.datetime
    kid: str

    @staticmethod
    def resolve_issuer(obj: Guarantee) -> str:
        return obj.issuer.name

    @staticmethod
    def resolve_applicant(obj: Guarantee) -> str:
        return obj.applicant.name

    @staticmethod
    def resolve_beneficiary(obj: Guarantee) -> str:
        return obj.beneficiary.name

    @staticmethod
    def resolve_project_number(obj: Guarantee) -> str:
        return obj.project.number

    @staticmethod
    def resolve_kid(obj: Guarantee) -> str:
        return obj.key.kid


class DraftOut(Schema):
    number: str
    kid: str
    canonical: str
    expires_at: dt.datetime


class SignIn(Schema):
    number: str
    signature: str  # base64 Ed25519 signature over the UTF-8 bytes of ``canonical``


class KeyIn(Schema):
    public_key: str  # base64 of the 32-byte Ed25519 public key


class KeyOut(Schema):
    kid: str
    public_key: str
    custodial: bool
    valid_from: dt.datetime
    retired_at: dt.datetime | None
    revoked_at: dt.datetime | None
    certificate: dict[str, Any]
    certificate_signature: str


class ProblemOut(Schema):
    code: str
    message_zh: str
    message_en: str


class VerifyOut(Schema):
    valid: bool
    status: str | None
    number: str | None
    problems: list[ProblemOut]
    document: dict[str, Any] | None
    bureau_public_key: str


class VerifyQuery(Schema):
    payload: str | None = None
    number: str | None = None


class BureauKeyOut(Schema):
    algorithm: str
    public_key: str


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def guarantee_out(g: Guarantee, *, base: str | None = None) -> dict[str, Any]:
    return {
        "number": g.number,
        "kind": g.kind,
        "status": g.status,
        "issuer": g.issuer.name,
        "applicant": g.applicant.name,
        "beneficiary": g.beneficiary.name,
        "project_number": g.project.number,
        "amount_fen": g.amount_fen,
        "valid_from": g.valid_from,
        "valid_until": g.valid_until,
        "issued_at": g.issued_at,
        "kid": g.key.kid,
        "canonical": g.canonical,
        "signature": g.signature,
        "payload": signing.payload_of(g),
        "verify_url": signing.verify_url(g, base=base),
    }


def key_out(key: IssuerKey) -> dict[str, Any]:
    return {
        "kid": key.kid,
        "public_key": key.public_key,
        "custodial": key.custodial,
        "valid_from": key.valid_from,
        "retired_at": key.retired_at,
        "revoked_at": key.revoked_at,
        "certificate": signing.key_certificate(key),
        "certificate_signature": key.certificate_signature,
    }


def _institution(request: HttpRequest) -> Organization:
    institution = selectors.issuer_institution(user=request.auth)  # type: ignore[attr-defined]
    if institution is None:
        raise Http404
    return institution


def _inputs(payload: GuaranteeIn) -> dict[str, Any]:
    project = Project.objects.select_related("purchaser").filter(number=payload.project_number.strip()).first()
    if project is None:
        raise ServiceError(GuaranteeError.TENDER_CLOSED, "project_number", _("No project has this number."))
    applicant = Organization.objects.filter(credit_code=payload.applicant_credit_code.strip().upper()).first()
    if applicant is None:
        raise ServiceError(
            GuaranteeError.APPLICANT, "applicant_credit_code", _("No supplier has this unified social credit code.")
        )
    contract = selectors.project_contract(project=project) if payload.kind == GuaranteeKind.PERFORMANCE else None
    return {
        "kind": payload.kind,
        "project": project,
        "applicant": applicant,
        "contract": contract,
        "amount_fen": payload.amount_fen,
        "valid_from": payload.valid_from,
        "valid_until": payload.valid_until,
    }


@router.post(
    "/guarantees",
    response={201: GuaranteeOut},
    summary="Issue a guarantee signed with your institution's platform-kept key",
)
@api_permission(P.GUARANTEE_ISSUE)
@idempotent
def guarantee_create(request: HttpRequest, payload: GuaranteeIn) -> Status[dict[str, Any]]:
    institution = _institution(request)
    guarantee = services.guarantee_issue(
        issuer=institution,
        **_inputs(payload),
        actor=request.auth,  # type: ignore[attr-defined]
        at=clock.now(),
    )
    return Status(201, guarantee_out(guarantee, base=_base(request)))


@router.post(
    "/guarantees/prepare",
    response={201: DraftOut},
    summary="Institution-held key, step 1: check, reserve the number, get the canonical text to sign",
)
@api_permission(P.GUARANTEE_ISSUE)
@idempotent
def guarantee_prepare(request: HttpRequest, payload: GuaranteeIn) -> Status[dict[str, Any]]:
    draft = services.guarantee_prepare(
        issuer=_institution(request),
        **_inputs(payload),
        actor=request.auth,  # type: ignore[attr-defined]
        at=clock.now(),
    )
    return Status(
        201,
        {"number": draft.number, "kid": draft.key.kid, "canonical": draft.canonical, "expires_at": draft.expires_at},
    )


@router.post(
    "/guarantees/sign",
    response={201: GuaranteeOut},
    summary="Institution-held key, step 2: send your Ed25519 signature over the canonical text",
)
@api_permission(P.GUARANTEE_ISSUE)
@idempotent
def guarantee_sign(request: HttpRequest, payload: SignIn) -> Status[dict[str, Any]]:
    guarantee = services.guarantee_sign(
        issuer=_institution(request),
        number=payload.number.strip(),
        signature=payload.signature,
        actor=request.auth,  # type: ignore[attr-defined]
        at=clock.now(),
    )
    return Status(201, guarantee_out(guarantee, base=_base(request)))


@router.post(
    "/guarantees/keys",
    response={201: KeyOut},
    summary="Register the public key your institution holds (the bureau certifies it; rotation retires the old one)",
)
@api_permission(P.GUARANTEE_ISSUE)
@idempotent
def key_register(request: HttpRequest, payload: KeyIn) -> Status[dict[str, Any]]:
    key = services.issuer_key_register(
        institution=_institution(request),
        public_key=payload.public_key,
        actor=request.auth,  # type: ignore[attr-defined]
        at=clock.now(),
    )
    return Status(201, key_out(key))


@router.get("/guarantees/keys", response=list[KeyOut], summary="Your institution's signing keys")
@api_permission(P.GUARANTEE_ISSUE)
def key_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [key_out(k) for k in selectors.keys_for(institution=_institution(request)).select_related("institution")]


@router.get("/guarantees", response=list[GuaranteeRow], summary="Guarantees your institution issued, newest first")
@paginate(PageNumberPagination, page_size=50)
@api_permission(P.GUARANTEE_ISSUE)
def guarantee_list(request: HttpRequest) -> QuerySet[Guarantee]:
    return (
        selectors.guarantees_for(user=request.auth)  # type: ignore[attr-defined]
        .filter(issuer=_institution(request))
        .select_related("key")
    )


@router.get(
    "/guarantees/verify",
    response=VerifyOut,
    auth=None,
    summary="Verify a guarantee (public): its QR payload or its number",
)
@api_permission(P.PUBLIC)
def guarantee_verify(request: HttpRequest, query: Query[VerifyQuery]) -> dict[str, Any]:
    result = services.guarantee_verify(payload=query.payload, number=query.number, at=clock.now())
    return {
        "valid": result.valid,
        "status": result.status,
        "number": result.number,
        "problems": [p.__dict__ for p in result.problems],
        "document": result.document,
        "bureau_public_key": signing.bureau_public_key(),
    }


@router.get("/guarantees/bureau-key", response=BureauKeyOut, auth=None, summary="The bureau's public key (public)")
@api_permission(P.PUBLIC)
def bureau_key(request: HttpRequest) -> dict[str, str]:
    return {"algorithm": "Ed25519", "public_key": signing.bureau_public_key()}
