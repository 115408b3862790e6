"""Intentions, projects, tender notices and corrections, with the statutory rules they enforce."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from conftest import make_code
from zhengcai.accounts.models import User
from zhengcai.core.audit import verify_chain
from zhengcai.core.errors import ServiceError, ServiceErrorGroup
from zhengcai.core.fsm import TransitionError
from zhengcai.core.models import AuditEvent
from zhengcai.core.permissions import Role
from zhengcai.organizations.models import OrganizationKind
from zhengcai.organizations.services import organization_create
from zhengcai.procurement.models import Intention, Project, ProjectStatus, Tender
from zhengcai.procurement.rules import RuleError
from zhengcai.procurement.services import (
    intention_create,
    intention_publish,
    project_create,
    tender_correct,
    tender_publish,
)

from .conftest import D0, at, project_input

pytestmark = pytest.mark.django_db


class TestIntention:
    def test_purchaser_publishes_and_it_is_audited(self, intention: Intention) -> None:
        assert intention.status == "published"
        assert intention.expected_month == dt.date(2026, 4, 1)
        assert list(
            AuditEvent.objects.filter(object_type="procurement.intention").values_list("action", flat=True)
        ) == [
            "intention.publish",
            "intention.create",
        ]

    def test_publishing_twice_is_a_forbidden_transition(self, intention: Intention, purchaser: User) -> None:
        with pytest.raises(ServiceError) as exc:
            intention_publish(intention=intention, actor=purchaser, at=at(D0))
        assert exc.value.code == TransitionError.NOT_ALLOWED

    def test_other_roles_cannot_create_for_this_purchaser(
        self, heze: dict[str, Any], role_users: dict[Role, User]
    ) -> None:
        for role in (Role.SUPPLIER_STAFF, Role.BUREAU_REVIEWER, Role.AUDITOR, Role.BANK_OFFICER):
            with pytest.raises(PermissionDenied):
                intention_create(
                    purchaser=heze["budget_unit"],
                    title="x",
                    demand_summary="y",
                    budget_fen=1,
                    expected_month=D0,
                    actor=role_users[role],
                    at=at(D0),
                )
        assert not Intention.objects.exists()


class TestProject:
    def test_number_and_fields(self, project: Project) -> None:
        assert project.number == "HZCG-371700-2026-00001"
        assert project.status == ProjectStatus.DRAFT
        assert project.region.code == "371700"

    def test_every_bad_field_is_reported_at_once_and_nothing_is_saved(
        self, heze: dict[str, Any], intention: Intention, purchaser: User
    ) -> None:
        bad = project_input(
            heze,
            intention,
            max_price_fen=200_0000_00,
            bid_security_fen=4_0000_00,
            catalogue_code="C0801",
            sme_deduction_percent=Decimal(25),
            title=" ",
        )
        with pytest.raises(ServiceErrorGroup) as exc:
            project_create(data=bad, actor=purchaser, at=at(D0))
        fields = {e.field for e in exc.value.errors}
        assert fields == {"max_price_fen", "bid_security", "catalogue_code", "sme_deduction_percent", "title"}
        assert not Project.objects.exists()

    def test_S_BID_2PCT_bid_security_over_two_percent_refused(
        self, heze: dict[str, Any], intention: Intention, purchaser: User
    ) -> None:
        with pytest.raises(ServiceError) as exc:
            project_create(data=project_input(heze, intention, bid_security_fen=3_6000_01), actor=purchaser, at=at(D0))
        assert exc.value.code == RuleError.BID_SECURITY_OVER_CAP
        assert "36,000.00" in exc.value.message_en


class TestTenderPublish:
    def publish(
        self, project: Project, actor: User, on: dt.date, deadline: dt.date, docs_until: dt.date | None = None
    ) -> Tender:
        return tender_publish(
            project=project,
            docs_from=on,
            docs_until=docs_until or on + dt.timedelta(days=7),
            deadline=at(deadline, 9),
            notice_text="招标公告正文",
            actor=actor,
            at=at(on, 8),
        )

    def test_D_INTENT_30D_refused_before_30_days_with_earliest_date(self, project: Project, purchaser: User) -> None:
        with pytest.raises(ServiceError) as exc:
            self.publish(project, purchaser, D0 + dt.timedelta(days=29), D0 + dt.timedelta(days=60))
        assert exc.value.code == RuleError.INTENT_TOO_LATE
        assert "2026-04-01" in exc.value.message_zh
        project.refresh_from_db()
        assert project.status == ProjectStatus.DRAFT
        assert not Tender.objects.exists()

    def test_D_INTENT_30D_and_M_OPEN_20D_satisfied_30_days_later(
        self, project: Project, role_users: dict[Role, User]
    ) -> None:
        agency_staff = role_users[Role.AGENCY_STAFF]  # the agency running the project publishes it
        publish_on = D0 + dt.timedelta(days=30)
        tender = self.publish(project, agency_staff, publish_on, publish_on + dt.timedelta(days=20))
        project.refresh_from_db()
        assert project.status == ProjectStatus.TENDERING
        assert tender.original_deadline == tender.deadline
        assert list(verify_chain()) == []

    def test_M_OPEN_20D_too_short_period_names_the_earliest_deadline(self, project: Project, purchaser: User) -> None:
        publish_on = D0 + dt.timedelta(days=30)
        with pytest.raises(ServiceError) as exc:
            self.publish(project, purchaser, publish_on, publish_on + dt.timedelta(days=19))
        assert exc.value.code == RuleError.PERIOD_TOO_SHORT
        assert "M-OPEN-20D" in exc.value.message_en
        assert "2026-04-21" in exc.value.message_en

    def test_M_OPEN_DOCS_5WD_documents_available_too_briefly(self, project: Project, purchaser: User) -> None:
        publish_on = D0 + dt.timedelta(days=30)  # Wednesday 2026-04-01
        with pytest.raises(ServiceError) as exc:
            self.publish(
                project,
                purchaser,
                publish_on,
                publish_on + dt.timedelta(days=21),
                docs_until=publish_on + dt.timedelta(days=3),
            )
        assert exc.value.code == RuleError.DOCS_PERIOD_TOO_SHORT

    def test_an_unrelated_agency_cannot_publish(self, heze: dict[str, Any], project: Project) -> None:
        from conftest import make_user

        other = organization_create(
            kind=OrganizationKind.AGENCY,
            name="曹县中诚招标代理有限公司",
            region=heze["cao"],
            credit_code=make_code("371721"),
            actor="t",
            at=at(D0),
        )
        with pytest.raises(PermissionDenied):
            self.publish(
                project, make_user(Role.AGENCY_STAFF, other), D0 + dt.timedelta(days=30), D0 + dt.timedelta(days=60)
            )

    def test_publishing_twice_is_a_forbidden_transition(self, project: Project, purchaser: User) -> None:
        publish_on = D0 + dt.timedelta(days=30)
        self.publish(project, purchaser, publish_on, publish_on + dt.timedelta(days=20))
        with pytest.raises(ServiceError) as exc:
            self.publish(project, purchaser, publish_on, publish_on + dt.timedelta(days=20))
        assert exc.value.code == TransitionError.NOT_ALLOWED


class TestCorrection:
    @pytest.fixture
    def tender(self, project: Project, purchaser: User) -> Tender:
        publish_on = D0 + dt.timedelta(days=30)
        return tender_publish(
            project=project,
            docs_from=publish_on,
            docs_until=publish_on + dt.timedelta(days=7),
            deadline=at(publish_on + dt.timedelta(days=20), 9),
            notice_text="公告",
            actor=purchaser,
            at=at(publish_on, 8),
        )

    def test_M_CORR_15D_late_correction_moves_the_deadline(self, tender: Tender, purchaser: User) -> None:
        corrected_on = dt.date(2026, 4, 15)  # 6 days before the 2026-04-21 deadline
        correction = tender_correct(
            tender=tender, text="技术参数修改", affects_preparation=True, actor=purchaser, at=at(corrected_on)
        )
        tender.refresh_from_db()
        assert timezone.localtime(tender.deadline) == at(dt.date(2026, 4, 30), 9)
        assert correction.deadline_before == tender.original_deadline
        assert AuditEvent.objects.filter(action="tender.correct").exists()

    def test_M_CORR_15D_correction_not_affecting_preparation_keeps_the_deadline(
        self, tender: Tender, purchaser: User
    ) -> None:
        tender_correct(
            tender=tender,
            text="联系人电话更正",
            affects_preparation=False,
            actor=purchaser,
            at=at(dt.date(2026, 4, 15)),
        )
        tender.refresh_from_db()
        assert tender.deadline == tender.original_deadline

    def test_no_correction_after_the_deadline(self, tender: Tender, purchaser: User) -> None:
        with pytest.raises(ServiceError):
            tender_correct(
                tender=tender, text="x", affects_preparation=True, actor=purchaser, at=at(dt.date(2026, 4, 22))
            )


def test_project_number_taken_concurrently_moves_to_the_next(
    heze: dict[str, Any], intention: Intention, purchaser: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two creations that read the same last number: the second insert meets the unique index and takes
    the following number instead of failing the user's request."""
    from zhengcai.procurement import services

    first = project_create(data=project_input(heze, intention), actor=purchaser, at=at(D0))
    real = services._next_number
    calls: list[str] = []

    def stale_then_real(region_code: str, year: int) -> str:
        calls.append(region_code)
        return first.number if len(calls) == 1 else real(region_code, year)

    monkeypatch.setattr(services, "_next_number", stale_then_real)
    second = project_create(data=project_input(heze, intention, title="第二个项目"), actor=purchaser, at=at(D0))
    assert len(calls) == 2
    assert second.number != first.number
    assert second.number.endswith("-00002")
    assert Project.objects.count() == 2
