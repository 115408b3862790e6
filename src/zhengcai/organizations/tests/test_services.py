from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from conftest import AT, make_code
from zhengcai.accounts.models import Membership, User
from zhengcai.core.audit import verify_chain
from zhengcai.core.errors import ServiceError, ServiceErrorGroup
from zhengcai.core.models import AuditEvent, Notification
from zhengcai.core.permissions import Role
from zhengcai.organizations.errors import OrgError
from zhengcai.organizations.models import Organization, OrganizationKind, OrganizationStatus
from zhengcai.organizations.services import (
    OrganizationRow,
    SupplierRegistration,
    organization_bulk_import,
    organization_create,
    supplier_approve,
    supplier_register,
    supplier_reject,
)


def registration(region: Any, **overrides: Any) -> SupplierRegistration:
    base = SupplierRegistration(
        name="曹县佳禾印刷有限公司",
        credit_code=make_code("371721"),
        region=region,
        size="small",
        business_scope="印刷品印刷",
        address="曹县青菏路1号",
        contact_name="王五",
        contact_phone="13912345678",
        contact_email="wang@example.invalid",
        username="jiahe",
        password="Jiahe-print-2026",
    )
    return dataclasses.replace(base, **overrides)


def _bad_check_char(code: str) -> str:
    return code[:17] + ("0" if code[17] != "0" else "1")


@pytest.mark.django_db
class TestSupplierRegister:
    def test_creates_pending_supplier_user_membership_and_audit(
        self, heze: dict[str, Any], county_reviewer: User
    ) -> None:
        org, user = supplier_register(data=registration(heze["cao"]), at=AT)
        assert org.status == OrganizationStatus.PENDING
        assert Membership.objects.get(user=user).role == Role.SUPPLIER_STAFF
        assert user.check_password("Jiahe-print-2026")
        actions = set(AuditEvent.objects.values_list("action", flat=True))
        assert {"supplier.register", "user.create", "membership.create"} <= actions
        assert list(verify_chain()) == []
        # the county's reviewer is told (a city reviewer would be too)
        assert Notification.objects.filter(recipient=county_reviewer, link=f"/office/suppliers/{org.pk}/").exists()

    def test_bad_check_character_is_refused_with_bilingual_error_and_nothing_saved(self, heze: dict[str, Any]) -> None:
        before = (Organization.objects.count(), User.objects.count(), AuditEvent.objects.count())
        with pytest.raises(ServiceError) as exc:
            supplier_register(data=registration(heze["cao"], credit_code=_bad_check_char(make_code("371721"))), at=AT)
        err = exc.value
        assert (err.code, err.field) == (OrgError.CREDIT_CODE_CHECK, "credit_code")
        assert "GB 32100-2015" in err.message_en
        assert "GB 32100-2015" in err.message_zh
        assert (Organization.objects.count(), User.objects.count(), AuditEvent.objects.count()) == before

    def test_reports_every_field_error_at_once(self, heze: dict[str, Any]) -> None:
        with pytest.raises(ServiceErrorGroup) as exc:
            supplier_register(data=registration(None, name="", size="giant", credit_code="123", password="123"), at=AT)
        fields = {e.field for e in exc.value.errors}
        assert fields == {"name", "region", "size", "credit_code", "password"}

    def test_duplicate_credit_code_is_refused(self, heze: dict[str, Any]) -> None:
        with pytest.raises(ServiceError) as exc:
            supplier_register(data=registration(heze["cao"], credit_code=heze["supplier"].credit_code), at=AT)
        assert exc.value.code == OrgError.CREDIT_CODE_TAKEN

    def test_lower_case_and_spaces_in_the_code_are_normalized(self, heze: dict[str, Any]) -> None:
        code = make_code("371721")
        org, _ = supplier_register(
            data=registration(heze["cao"], credit_code=f" {code[:9].lower()} {code[9:]} "), at=AT
        )
        assert org.credit_code == code


@pytest.mark.django_db
class TestSupplierReview:
    @pytest.fixture
    def pending(self, heze: dict[str, Any]) -> Organization:
        return supplier_register(data=registration(heze["cao"]), at=AT)[0]

    def test_city_reviewer_approves(self, pending: Organization, role_users: dict[Role, User]) -> None:
        supplier = supplier_approve(supplier=pending, actor=role_users[Role.BUREAU_REVIEWER], at=AT)
        assert supplier.status == OrganizationStatus.ACTIVE
        event = AuditEvent.objects.get(action="supplier.approve")
        assert ((event.before or {})["status"], (event.after or {})["status"]) == ("pending", "active")
        staff = User.objects.get(username="jiahe")
        assert list(Notification.objects.filter(recipient=staff).values_list("link", flat=True)) == ["/office/"]

    def test_county_reviewer_approves_in_own_county(self, pending: Organization, county_reviewer: User) -> None:
        assert supplier_approve(supplier=pending, actor=county_reviewer, at=AT).status == OrganizationStatus.ACTIVE

    def test_county_reviewer_cannot_reach_another_county(self, heze: dict[str, Any], county_reviewer: User) -> None:
        other = supplier_register(
            data=registration(
                heze["shan"], name="单县顺达商贸有限公司", credit_code=make_code("371722"), username="shunda"
            ),
            at=AT,
        )[0]
        with pytest.raises(Organization.DoesNotExist):
            supplier_approve(supplier=other, actor=county_reviewer, at=AT)
        other.refresh_from_db()
        assert other.status == OrganizationStatus.PENDING

    def test_reject_needs_a_reason(self, pending: Organization, role_users: dict[Role, User]) -> None:
        with pytest.raises(ServiceError) as exc:
            supplier_reject(supplier=pending, actor=role_users[Role.BUREAU_REVIEWER], at=AT, note="  ")
        assert exc.value.field == "review_note"
        supplier = supplier_reject(
            supplier=pending, actor=role_users[Role.BUREAU_REVIEWER], at=AT, note="营业执照照片不清晰"
        )
        assert (supplier.status, supplier.review_note) == (OrganizationStatus.REJECTED, "营业执照照片不清晰")

    @pytest.mark.parametrize("first", ["approve", "reject"])
    def test_only_pending_can_be_decided(
        self, pending: Organization, role_users: dict[Role, User], first: str
    ) -> None:
        reviewer = role_users[Role.BUREAU_REVIEWER]
        if first == "approve":
            supplier_approve(supplier=pending, actor=reviewer, at=AT)
        else:
            supplier_reject(supplier=pending, actor=reviewer, at=AT, note="资料不全")
        events = AuditEvent.objects.count()
        with pytest.raises(ServiceError) as exc:
            supplier_approve(supplier=pending, actor=reviewer, at=AT)
        assert exc.value.code == OrgError.NOT_PENDING
        assert AuditEvent.objects.count() == events

    def test_a_role_without_review_permission_reaches_nothing(
        self, pending: Organization, role_users: dict[Role, User]
    ) -> None:
        with pytest.raises(Organization.DoesNotExist):
            supplier_approve(supplier=pending, actor=role_users[Role.PURCHASER_STAFF], at=AT)


@pytest.mark.django_db
class TestOrganizationCreate:
    def test_credit_code_required_for_supplier_agency_bank_guarantor(self, heze: dict[str, Any]) -> None:
        for kind in (
            OrganizationKind.SUPPLIER,
            OrganizationKind.AGENCY,
            OrganizationKind.BANK,
            OrganizationKind.GUARANTOR,
        ):
            with pytest.raises(ServiceError) as exc:
                organization_create(
                    kind=kind, name=f"无代码{kind}", region=heze["city"], size="small", actor="t", at=AT
                )
            errors = getattr(exc.value, "errors", [exc.value])
            assert OrgError.CREDIT_CODE_REQUIRED in {e.code for e in errors}

    def test_budget_unit_needs_no_code(self, heze: dict[str, Any]) -> None:
        org = organization_create(
            kind=OrganizationKind.BUDGET_UNIT, name="曹县教育局", region=heze["cao"], actor="t", at=AT
        )
        assert org.credit_code is None

    def test_bulk_import_is_all_or_nothing_and_rerunnable(self, heze: dict[str, Any]) -> None:
        rows = [
            OrganizationRow(
                kind=OrganizationKind.SUPPLIER,
                name=f"菏泽测试{i}有限公司",
                region=heze["city"],
                credit_code=make_code(),
                size="micro",
            )
            for i in range(5)
        ]
        bad = [
            *rows,
            OrganizationRow(
                kind=OrganizationKind.SUPPLIER,
                name="坏代码有限公司",
                region=heze["city"],
                credit_code="91371700MA3C123450",
                size="micro",
            ),
        ]
        count = Organization.objects.count()
        with pytest.raises(ServiceError) as exc:
            organization_bulk_import(rows=bad, actor="t", at=AT, source="test")
        assert exc.value.field == "rows[5].credit_code"
        assert Organization.objects.count() == count
        assert len(organization_bulk_import(rows=rows, actor="t", at=AT, source="test")) == 5
        assert organization_bulk_import(rows=rows, actor="t", at=AT, source="test") == []
        event = AuditEvent.objects.get(action="organization.bulk_import")
        assert (event.after or {})["count"] == 5
