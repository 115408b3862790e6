"""Credit services: records, revocation, policy versions and the exemption decision (S-CREDIT-EXEMPT)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from conftest import make_user
from zhengcai.accounts.models import User
from zhengcai.core.errors import ServiceError, ServiceErrorGroup
from zhengcai.core.models import AuditEvent
from zhengcai.core.permissions import Role
from zhengcai.credit import rules
from zhengcai.credit.models import CreditPolicy, CreditRecord, ExemptionDecision
from zhengcai.credit.services import (
    Entry,
    credit_policy_publish,
    credit_record_add,
    credit_record_revoke,
    exemption_decide,
)

from .conftest import moment

pytestmark = pytest.mark.django_db

AT = moment(dt.date(2026, 3, 2))


def serious(day: dt.date = dt.date(2025, 5, 2), until: dt.date | None = dt.date(2027, 5, 1), **kw: Any) -> Entry:
    base: dict[str, Any] = {
        "kind": "false_materials",
        "severity": "serious",
        "occurred_on": day,
        "expires_on": until,
        "description": "提供虚假业绩证明材料谋取中标",
        "reference": "菏财采处〔2025〕7号",
        "authority": "菏泽市财政局",
    }
    base.update(kw)
    return Entry(**base)


@pytest.fixture
def reviewer(role_users: dict[Role, User]) -> User:
    return role_users[Role.BUREAU_REVIEWER]


@pytest.fixture
def v1(reviewer: User) -> CreditPolicy:
    return credit_policy_publish(
        rules_in=dict(rules.DEFAULT_RULES), effective_from=dt.date(2024, 1, 1), actor=reviewer, at=AT
    )


def test_S_CREDIT_EXEMPT_clean_supplier_is_exempt_with_explanation(heze: dict[str, Any], tender: Any, v1: Any) -> None:
    decision = exemption_decide(supplier=heze["supplier"], tender=tender, at=AT)
    assert decision.exempt
    assert decision.policy == v1
    assert decision.explanation_zh == "免收投标保证金：近3年无严重失信记录（信用政策第1版）"
    assert (
        decision.explanation_en == "Exempt from bid security: no serious record in the last 3 years (credit policy v1)"
    )
    event = AuditEvent.objects.get(action="credit.exemption.decide")
    assert event.object_id == str(decision.pk)
    assert (event.after or {})["exempt"] is True


def test_CREDIT_SERIOUS_36M_not_exempt_names_the_record_and_until_date(
    heze: dict[str, Any], tender: Any, reviewer: User, v1: Any
) -> None:
    record = credit_record_add(supplier=heze["supplier"], entry=serious(), actor=reviewer, at=AT)
    decision = exemption_decide(supplier=heze["supplier"], tender=tender, at=AT)
    assert not decision.exempt
    assert decision.reasons[0]["record"] == record.pk
    assert decision.reasons[0]["until"] == "2027-05-01"
    assert decision.explanation_zh.startswith(
        "不予免收投标保证金：严重失信记录“提供虚假业绩证明材料谋取中标”（2025-05-02）"
    )
    assert "有效期至 2027-05-01" in decision.explanation_zh
    assert "counts until 2027-05-01 (credit policy v1)" in decision.explanation_en


def test_CREDIT_SERIOUS_36M_expired_records_are_ignored(
    heze: dict[str, Any], tender: Any, reviewer: User, v1: Any
) -> None:
    credit_record_add(
        supplier=heze["supplier"],
        entry=serious(dt.date(2024, 1, 5), dt.date(2026, 1, 4), reference="菏市监处罚〔2024〕3号"),
        actor=reviewer,
        at=AT,
    )
    assert exemption_decide(supplier=heze["supplier"], tender=tender, at=AT).exempt


def test_S_CREDIT_EXEMPT_policy_v2_does_not_change_a_decision_made_under_v1(
    heze: dict[str, Any], tender: Any, reviewer: User, v1: Any, bidders: list[Any]
) -> None:
    supplier = heze["supplier"]
    for i, day in enumerate([dt.date(2025, 3, 1), dt.date(2025, 9, 1)]):
        credit_record_add(
            supplier=supplier,
            entry=Entry(
                kind="late_delivery",
                severity="major",
                occurred_on=day,
                expires_on=None,
                description=f"逾期交货{i + 1}",
                reference=f"菏财采处〔2025〕{i + 20}号",
            ),
            actor=reviewer,
            at=AT,
        )
    first = exemption_decide(supplier=supplier, tender=tender, at=AT)
    assert first.exempt  # two major records: not more than 2 under v1
    v2 = credit_policy_publish(
        rules_in={**rules.DEFAULT_RULES, "major_max": 1},
        effective_from=dt.date(2026, 4, 1),
        note="stricter",
        actor=reviewer,
        at=AT,
    )
    assert v2.version == 2
    later = AT + dt.timedelta(days=60)
    again = exemption_decide(supplier=supplier, tender=tender, at=later)
    assert again.pk == first.pk
    assert again.exempt
    assert again.policy == v1
    # the same supplier's first decision for another tender after v2 took effect follows v2
    from zhengcai.credit import selectors

    outlook = selectors.exemption_outlook(supplier=supplier, at=later)
    assert outlook.policy_version == 2
    assert not outlook.outcome.exempt
    assert "信用政策第2版" in outlook.outcome.explanation_zh
    assert ExemptionDecision.objects.count() == 1


def test_S_CREDIT_EXEMPT_revoking_a_record_keeps_past_decisions(
    heze: dict[str, Any], tender: Any, reviewer: User, v1: Any, bidders: list[Any]
) -> None:
    record = credit_record_add(supplier=heze["supplier"], entry=serious(), actor=reviewer, at=AT)
    before = exemption_decide(supplier=heze["supplier"], tender=tender, at=AT)
    credit_record_revoke(record=record, reason="处罚决定已被撤销", actor=reviewer, at=AT + dt.timedelta(hours=1))
    assert not exemption_decide(supplier=heze["supplier"], tender=tender, at=AT + dt.timedelta(hours=2)).exempt
    assert before.pk == ExemptionDecision.objects.get().pk
    other = bidders[0][0]
    credit_record_add(supplier=other, entry=serious(), actor=reviewer, at=AT)
    rec = CreditRecord.objects.get(supplier=other)
    credit_record_revoke(record=rec, reason="录入错误", actor=reviewer, at=AT + dt.timedelta(hours=1))
    assert exemption_decide(supplier=other, tender=tender, at=AT + dt.timedelta(hours=2)).exempt
    # at a moment before the revocation, the record counted
    from zhengcai.credit import selectors

    assert [f.id for f in selectors.record_facts(supplier=other, at=AT)] == [rec.pk]


def test_S_CREDIT_EXEMPT_without_a_published_policy_the_builtin_v1_is_published(
    heze: dict[str, Any], tender: Any
) -> None:
    decision = exemption_decide(supplier=heze["supplier"], tender=tender, at=AT)
    policy = CreditPolicy.objects.get()
    assert (policy.version, policy.effective_from, policy.rules) == (1, dt.date(2024, 1, 1), rules.DEFAULT_RULES)
    assert decision.policy == policy
    assert AuditEvent.objects.filter(action="credit.policy.publish", actor_label="credit").exists()


def test_S_CREDIT_EXEMPT_no_policy_in_force_on_the_day_is_refused(heze: dict[str, Any], tender: Any, v1: Any) -> None:
    with pytest.raises(ServiceError) as exc:
        exemption_decide(supplier=heze["supplier"], tender=tender, at=moment(dt.date(2023, 6, 1)))
    assert exc.value.code == "credit.policy.none_in_force"
    assert ExemptionDecision.objects.count() == 0


def test_exemption_only_for_suppliers(heze: dict[str, Any], tender: Any, v1: Any) -> None:
    with pytest.raises(ServiceError) as exc:
        exemption_decide(supplier=heze["agency"], tender=tender, at=AT)
    assert exc.value.code == "credit.supplier.not_supplier"


def test_record_add_checks_fields_bilingually_and_writes_nothing(heze: dict[str, Any], reviewer: User) -> None:
    bad = Entry(
        kind="gossip",
        severity="serious",
        occurred_on=dt.date(2026, 4, 1),
        expires_on=None,
        description=" ",
    )
    with pytest.raises(ServiceErrorGroup) as exc:
        credit_record_add(supplier=heze["supplier"], entry=bad, actor=reviewer, at=AT)
    fields = {e.field for e in exc.value.errors}
    assert fields == {"kind", "occurred_on", "description"}
    future = next(e for e in exc.value.errors if e.field == "occurred_on")
    assert future.message_zh != future.message_en
    assert CreditRecord.objects.count() == 0
    listed = serious(kind="serious_dishonesty", severity="major")
    with pytest.raises(ServiceError) as one:
        credit_record_add(supplier=heze["supplier"], entry=listed, actor=reviewer, at=AT)
    assert one.value.code == "credit.record.dishonesty_severity"
    expiry = serious(dt.date(2025, 5, 2), dt.date(2025, 5, 1))
    with pytest.raises(ServiceError) as two:
        credit_record_add(supplier=heze["supplier"], entry=expiry, actor=reviewer, at=AT)
    assert two.value.field == "expires_on"


def test_record_add_refuses_the_same_record_twice_and_audits(heze: dict[str, Any], reviewer: User) -> None:
    record = credit_record_add(supplier=heze["supplier"], entry=serious(), actor=reviewer, at=AT)
    assert (record.source, record.created_by) == ("bureau", reviewer)
    event = AuditEvent.objects.get(action="credit.record.add")
    assert (event.after or {})["reference"] == "菏财采处〔2025〕7号"
    with pytest.raises(ServiceError) as exc:
        credit_record_add(supplier=heze["supplier"], entry=serious(), actor=reviewer, at=AT)
    assert exc.value.code == "credit.record.duplicate"
    assert CreditRecord.objects.count() == 1


def test_county_reviewer_manages_only_suppliers_of_the_county(
    heze: dict[str, Any], county_reviewer: User, cao_supplier: Any
) -> None:
    with pytest.raises(PermissionDenied):
        credit_record_add(supplier=heze["supplier"], entry=serious(), actor=county_reviewer, at=AT)
    record = credit_record_add(supplier=cao_supplier, entry=serious(), actor=county_reviewer, at=AT)
    city_record = credit_record_add(supplier=heze["supplier"], entry=serious(), actor="test", at=AT)
    with pytest.raises(PermissionDenied):
        credit_record_revoke(record=city_record, reason="错误", actor=county_reviewer, at=AT)
    assert credit_record_revoke(record=record, reason="错误", actor=county_reviewer, at=AT).revoked
    shan_reviewer = make_user(Role.BUREAU_REVIEWER, heze["shan_dept"])
    with pytest.raises(PermissionDenied):
        credit_record_add(supplier=cao_supplier, entry=serious(reference="x"), actor=shan_reviewer, at=AT)


def test_other_roles_cannot_add_records(heze: dict[str, Any], role_users: dict[Role, User]) -> None:
    for role in (Role.SUPPLIER_STAFF, Role.PURCHASER_STAFF, Role.AUDITOR, Role.BANK_OFFICER):
        with pytest.raises(PermissionDenied):
            credit_record_add(supplier=heze["supplier"], entry=serious(), actor=role_users[role], at=AT)
    assert CreditRecord.objects.count() == 0


def test_revoke_needs_a_reason_and_happens_once(heze: dict[str, Any], reviewer: User) -> None:
    record = credit_record_add(supplier=heze["supplier"], entry=serious(), actor=reviewer, at=AT)
    with pytest.raises(ServiceError) as exc:
        credit_record_revoke(record=record, reason="  ", actor=reviewer, at=AT)
    assert exc.value.field == "reason"
    credit_record_revoke(record=record, reason="行政复议撤销原处罚", actor=reviewer, at=AT)
    record.refresh_from_db()
    assert (record.revoked_at, record.revoked_by, record.revoke_reason) == (AT, reviewer, "行政复议撤销原处罚")
    with pytest.raises(ServiceError) as again:
        credit_record_revoke(record=record, reason="再次", actor=reviewer, at=AT)
    assert again.value.code == "credit.record.already_revoked"
    event = AuditEvent.objects.get(action="credit.record.revoke")
    assert (event.before or {})["revoked_at"] is None
    assert (event.after or {})["revoke_reason"] == "行政复议撤销原处罚"
    # corrected: the same fact can be recorded again after the wrong one was revoked
    assert credit_record_add(supplier=heze["supplier"], entry=serious(), actor=reviewer, at=AT).pk != record.pk
    with pytest.raises(ValueError, match="never deleted"):
        record.delete()


def test_policy_publish_validates_thresholds_bilingually(reviewer: User, v1: Any) -> None:
    with pytest.raises(ServiceErrorGroup) as exc:
        credit_policy_publish(
            rules_in={"serious_months": 0, "major_months": 24, "major_max": -1, "small_micro_extra_major": 0},
            effective_from=dt.date(2026, 3, 1),
            actor=reviewer,
            at=AT,
        )
    by_field = {e.field: e for e in exc.value.errors}
    assert set(by_field) == {"serious_months", "major_max", "effective_from"}
    assert "12" in by_field["serious_months"].message_en
    assert "S-CREDIT-EXEMPT" in by_field["serious_months"].message_zh
    assert CreditPolicy.objects.count() == 1


def test_policy_versions_are_append_only_and_never_retroactive(reviewer: User, v1: Any) -> None:
    with pytest.raises(ServiceError) as exc:
        credit_policy_publish(
            rules_in=dict(rules.DEFAULT_RULES), effective_from=dt.date(2023, 12, 1), actor=reviewer, at=AT
        )
    assert exc.value.code == "credit.policy.effective_from"
    v1.note = "changed"
    with pytest.raises(ValueError, match="append-only"):
        v1.save()
    v2 = credit_policy_publish(rules_in=dict(rules.DEFAULT_RULES), effective_from=AT.date(), actor=reviewer, at=AT)
    assert v2.version == 2
    assert AuditEvent.objects.filter(action="credit.policy.publish").count() == 2


def test_only_the_city_bureau_publishes_the_policy(county_reviewer: User, role_users: dict[Role, User]) -> None:
    with pytest.raises(ServiceError) as exc:
        credit_policy_publish(
            rules_in=dict(rules.DEFAULT_RULES), effective_from=dt.date(2026, 4, 1), actor=county_reviewer, at=AT
        )
    assert exc.value.code == "credit.policy.scope"
    with pytest.raises(PermissionDenied):
        credit_policy_publish(
            rules_in=dict(rules.DEFAULT_RULES),
            effective_from=dt.date(2026, 4, 1),
            actor=role_users[Role.AUDITOR],
            at=AT,
        )
    assert CreditPolicy.objects.count() == 0


def test_small_supplier_leniency_under_a_lenient_version(heze: dict[str, Any], tender: Any, reviewer: User) -> None:
    credit_policy_publish(
        rules_in={**rules.DEFAULT_RULES, "small_micro_extra_major": 1},
        effective_from=dt.date(2024, 1, 1),
        actor=reviewer,
        at=AT,
    )
    small = heze["supplier"]  # a small enterprise
    for i in range(3):
        credit_record_add(
            supplier=small,
            entry=Entry(
                kind="late_delivery",
                severity="major",
                occurred_on=dt.date(2025, 1 + i, 3),
                expires_on=None,
                description="逾期交货",
                reference=f"R{i}",
            ),
            actor=reviewer,
            at=AT,
        )
    decision = exemption_decide(supplier=small, tender=tender, at=AT)
    assert decision.exempt
    assert decision.reasons[0]["leniency"] == "CREDIT-SME-LENIENCY"
