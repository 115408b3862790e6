"""Samples of the financing URLs and API operations for the permission matrix (core/tests/test_permission_matrix.py).

The matrix's sample supplier (``o["supplier"]``) has four applications to the sample bank (``o["bank"]``), one in
each state a bank acts on: submitted (quote, then decline), accepted (approve), approved (disburse) and
disbursed (repaid); the bank has a webhook endpoint so the inbound webhook can be called signed.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from conftest import make_user
from zhengcai.core.permissions import Role

SUFFIX_TARGET = {
    "/approve": "fin_accepted",
    "/disburse": "fin_approved",
    "/repaid": "fin_disbursed",
    "/repayments": "fin_disbursed",
}
WEBHOOK_PATH = "/financing/webhooks/{bank_id}"


def ensure_financing(o: dict[str, Any]) -> dict[str, Any]:
    """Created once per test, through the procurement and financing services."""
    if "fin_submitted" in o:
        return o
    from zhengcai.financing import services
    from zhengcai.integrations.webhooks import webhook_endpoint_register

    from .factories import bank_product, moment, signed_contract

    purchaser = make_user(Role.PURCHASER_STAFF, o["budget_unit"], username="matrix_fin_purchaser")
    seller = make_user(Role.SUPPLIER_STAFF, o["supplier"], username="matrix_fin_supplier")
    lender = make_user(Role.BANK_OFFICER, o["bank"], username="matrix_fin_bank")
    product = bank_product(o["bank"], lender)
    day = dt.date(2026, 5, 6)
    states = ["fin_submitted", "fin_accepted", "fin_approved", "fin_disbursed"]
    for i, name in enumerate(states):
        contract = signed_contract(
            purchaser_unit=o["budget_unit"], purchaser=purchaser, supplier=o["supplier"], supplier_user=seller
        )
        app = services.application_apply(
            supplier=o["supplier"],
            contract=contract,
            amount_fen=50_0000_00,
            products=[product],
            consent_bank_ids={o["bank"].pk},
            actor=seller,
            at=moment(day),
        )
        o[name] = app
        if i == 0:
            continue
        quote = services.quote_submit(
            application=app,
            bank=o["bank"],
            amount_fen=50_0000_00,
            rate=Decimal("3.60"),
            term_days=180,
            valid_until=day + dt.timedelta(days=10),
            actor=lender,
            at=moment(day, 10),
        )
        services.quote_accept(quote=quote, actor=seller, at=moment(day, 11))
        if i == 1:
            continue
        services.application_approve(
            application=app,
            bank=o["bank"],
            agreement_number=f"MATRIX-{i}",
            account_name="政采贷还款专户",
            account_number=f"161200211920000000{i}",
            account_bank_name="营业部",
            actor=lender,
            at=moment(day, 12),
        )
        if i == 2:
            continue
        services.disbursement_record(
            application=app, bank=o["bank"], amount_fen=50_0000_00, disbursed_on=day, actor=lender, at=moment(day, 13)
        )
    webhook_endpoint_register(
        organization=o["bank"], url="https://bank.example.invalid/financing", events=[], actor=lender, at=moment(day)
    )
    return o


def financing_api_path(path: str, op_path: str, o: dict[str, Any]) -> str:
    """Fill the financing path parameters of the matrix's API call."""
    if "{application_id}" in path:
        ensure_financing(o)
        target = next((v for k, v in SUFFIX_TARGET.items() if op_path.endswith(k)), "fin_submitted")
        path = path.replace("{application_id}", str(o[target].pk))
    if "{bank_id}" in path:
        ensure_financing(o)
        path = path.replace("{bank_id}", str(o["bank"].pk))
    return path


FINANCING_API_POST_BODIES: dict[str, dict[str, Any]] = {
    "/financing/products": {
        "name": "矩阵测试政采贷",
        "rate_min": "3.2",
        "rate_max": "4.2",
        "max_share_percent": "80",
        "term_days": 365,
        "eligible_sizes": ["small", "micro"],
    },
    "/financing/applications/{application_id}/quote": {
        "amount_fen": 50_0000_00,
        "rate": "3.80",
        "term_days": 180,
        "valid_until": "2030-12-31",
    },
    "/financing/applications/{application_id}/decline": {"reason": "矩阵测试：不予授信"},
    "/financing/applications/{application_id}/approve": {
        "agreement_number": "MATRIX-APPROVE",
        "account_name": "政采贷还款专户",
        "account_number": "1612002119200000009",
        "account_bank_name": "营业部",
    },
    "/financing/applications/{application_id}/disburse": {"amount_fen": 50_0000_00, "disbursed_on": "2026-06-01"},
    "/financing/applications/{application_id}/repaid": {"repaid_fen": 50_0000_00, "repaid_on": "2026-07-01"},
    WEBHOOK_PATH: {"id": "matrix-ping", "event": "ping", "data": {}},
}


def financing_api_headers(op_path: str, path: str, body: dict[str, Any]) -> dict[str, str]:
    """The inbound webhook is public but signed: sign the body the test client will send."""
    if op_path != WEBHOOK_PATH:
        return {}
    from zhengcai.integrations.models import WebhookEndpoint
    from zhengcai.integrations.webhooks import endpoint_secret, signature_header

    bank_id = int(path.rstrip("/").rsplit("/", 1)[1])
    endpoint = WebhookEndpoint.objects.filter(organization_id=bank_id).first()
    if endpoint is None:
        return {}
    raw = json.dumps(body, cls=DjangoJSONEncoder).encode()
    return {"HTTP_X_ZHENGCAI_SIGNATURE": signature_header(endpoint_secret(endpoint), int(time.time()), raw)}


def _call(method: str, path: str) -> Any:
    from zhengcai.core.tests.test_permission_matrix import Call

    return Call(method, path)


FINANCING_URL_SAMPLES: dict[str, Any] = {
    "financing:products": lambda o, u: _call("GET", "/financing/products/"),
    "financing:supplier_home": lambda o, u: _call("GET", "/office/financing/"),
    "financing:application": lambda o, u: _call(
        "GET", f"/office/financing/applications/{ensure_financing(o)['fin_submitted'].pk}/"
    ),
    "financing:bank_queue": lambda o, u: _call("GET", "/office/financing/bank/"),
    "financing:bank_application": lambda o, u: _call(
        "GET", f"/office/financing/bank/{ensure_financing(o)['fin_submitted'].pk}/"
    ),
    "financing:totals": lambda o, u: _call("GET", "/office/financing/totals/"),
}
