"""The demo guarantees on a small demo data set: every status, a rotated key, all audited and verifiable."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from zhengcai.core.audit import verify_chain
from zhengcai.demo.guarantees_seed import seed_guarantees
from zhengcai.demo.procurement_plan import NOW
from zhengcai.guarantees import services
from zhengcai.guarantees.models import Guarantee, IssuerKey
from zhengcai.organizations.models import Organization, OrganizationKind
from zhengcai.securities.models import PerformanceSecurity, SecurityForm, SecurityStatus

pytestmark = pytest.mark.django_db


def test_seed_guarantees_on_a_small_demo() -> None:
    call_command("seed_demo", "--small", "--projects", "60", stdout=StringIO())
    counts = seed_guarantees(actor="seed_demo", at=NOW, target=80)
    assert sum(counts.values()) == Guarantee.objects.count() >= 60
    assert set(counts) == {"issued", "accepted", "released", "claimed", "expired"}, counts
    institutions = Organization.objects.filter(kind__in=[OrganizationKind.BANK, OrganizationKind.GUARANTOR])
    keys = Counter(IssuerKey.objects.values_list("institution_id", flat=True))
    assert set(keys) == set(institutions.values_list("pk", flat=True))
    rotated = [org for org, n in keys.items() if n == 2]
    assert len(rotated) == 1
    assert set(keys.values()) == {1, 2}
    used = set(Guarantee.objects.filter(issuer_id=rotated[0]).values_list("key_id", flat=True))
    assert len(used) == 2, "guarantees signed before and after the rotation"
    assert set(Guarantee.objects.values_list("kind", flat=True)) == {"bid", "performance"}
    for g in Guarantee.objects.all():
        result = services.guarantee_verify(number=g.number, at=g.issued_at)
        assert "signature.mismatch" not in result.codes
        assert "record.mismatch" not in result.codes
    assert_performance_securities_recorded()
    assert list(verify_chain()) == []
    assert seed_guarantees(actor="seed_demo", at=NOW, target=80) == counts  # idempotent: nothing added


def assert_performance_securities_recorded() -> None:
    """S-PERF-10PCT: every accepted performance guarantee is its contract's performance security, recorded
    through the securities app (so the evaluation's performance-security indicators have data); some contracts
    were secured by bank transfer instead; a returned one is refunded after the acceptance and its guarantee
    released."""
    securities = list(PerformanceSecurity.objects.select_related("contract"))
    forms = Counter(s.form for s in securities)
    assert forms[SecurityForm.GUARANTEE] > 0
    assert forms[SecurityForm.TRANSFER] > 0
    assert set(forms) == {SecurityForm.GUARANTEE, SecurityForm.TRANSFER}
    presented = Guarantee.objects.filter(kind="performance").exclude(status="issued").exclude(accepted_at=None)
    assert {g.number for g in presented} <= {s.reference for s in securities}
    for s in securities:
        assert 0 < s.amount_fen * 10 <= s.contract.amount_fen
        assert s.provided_on >= s.contract.signed_on
        if s.status == SecurityStatus.REFUNDED:
            assert s.contract.acceptance_passed
            assert s.refunded_on is not None
            assert s.contract.accepted_on is not None
            assert s.refunded_on >= s.contract.accepted_on
            if s.form == SecurityForm.GUARANTEE:
                assert Guarantee.objects.get(number=s.reference).status == "released"
