"""SVC-ROUTE (where a request goes), SVC-LINK (what it may name) and SVC-SLA (its due times)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from conftest import make_code, make_user
from zhengcai.accounts.models import User
from zhengcai.core import calendar
from zhengcai.core.errors import ServiceError, ServiceErrorGroup
from zhengcai.core.models import AuditEvent, Notification
from zhengcai.core.permissions import Role
from zhengcai.organizations.models import OrganizationKind
from zhengcai.organizations.services import organization_create
from zhengcai.service import pairings, rules
from zhengcai.service.errors import DeskError
from zhengcai.service.models import Category, RequestStatus, RouteReason, ServiceRequest

from .conftest import T0, at_day, submit

pytestmark = pytest.mark.django_db


def _cao_unit(heze: dict[str, Any]) -> Any:
    return organization_create(
        kind=OrganizationKind.BUDGET_UNIT, name="曹县教育和体育局", region=heze["cao"], actor="t", at=T0
    )


def _pair_cao(heze: dict[str, Any], chain: dict[str, User], unit: Any) -> Any:
    return pairings.department_pair(
        unit=unit,
        department=heze["cao_dept"],
        handler=chain["cao_handler"],
        section_head=chain["cao_head"],
        director=chain["cao_director"],
        valid_from=T0.date(),
        actor=chain["cao_manager"],
        at=T0,
    )


# --- SVC-ROUTE --------------------------------------------------------------------------------------------


def test_SVC_ROUTE_a_budget_unit_goes_to_its_paired_department_and_chain(
    heze: dict[str, Any], chain: dict[str, User], paired: Any, purchaser: User
) -> None:
    request = submit(heze["budget_unit"], purchaser)
    assert request.route == RouteReason.OWN_UNIT
    assert request.department == heze["city_dept"]
    assert request.region == heze["city"]
    assert (request.handler, request.section_head, request.director) == (
        chain["handler"],
        chain["head"],
        chain["director"],
    )
    assert request.pairing == paired
    assert request.number == f"FW2026-{request.pk:06d}"
    note = Notification.objects.get(recipient=chain["handler"])
    assert request.number in note.subject
    assert "新服务请求" in note.subject
    assert "New service request" in note.subject
    assert AuditEvent.objects.filter(action="service.request.submit", object_id=str(request.pk)).exists()


def test_SVC_ROUTE_a_supplier_linking_its_tender_goes_to_that_purchasers_department(
    heze: dict[str, Any], chain: dict[str, User], paired: Any, tender: Any, bidders: list[Any]
) -> None:
    """The linked procurement's purchaser comes before the supplier's own paired units."""
    from zhengcai.procurement.bidding import bid_submit

    org, user = bidders[0]
    bid_submit(
        tender=tender,
        supplier=org,
        price_fen=160_0000_00,
        technical_response="响应",
        actor=user,
        at=at_day(dt.date(2026, 4, 3)),
    )
    cao_unit = _cao_unit(heze)
    _pair_cao(heze, chain, cao_unit)
    pairings.partner_pair(
        unit=cao_unit,
        partner=org,
        unit_contact="王老师",
        partner_contact="李经理",
        valid_from=T0.date(),
        actor=chain["manager"],
        at=T0,
    )
    linked = submit(
        org, user, category=Category.SECURITY_REFUND, subject="投标保证金未退还", tender=tender.project.number
    )
    assert linked.route == RouteReason.LINKED_UNIT
    assert linked.budget_unit == heze["budget_unit"]
    assert linked.handler == chain["handler"]
    assert linked.tender == tender
    unlinked = submit(org, user)
    assert unlinked.route == RouteReason.PAIRED_UNIT
    assert unlinked.budget_unit == cao_unit
    assert unlinked.department == heze["cao_dept"]
    assert unlinked.region == heze["cao"]
    assert unlinked.handler == chain["cao_handler"]


def test_SVC_ROUTE_without_a_pairing_the_regions_default_else_the_citys_else_the_bureau_unassigned(
    heze: dict[str, Any], chain: dict[str, User], role_users: dict[Role, User]
) -> None:
    cao_supplier = organization_create(
        kind=OrganizationKind.SUPPLIER,
        name="曹县木制品有限公司",
        region=heze["cao"],
        credit_code=make_code("371721"),
        size="micro",
        actor="t",
        at=T0,
    )
    staff = make_user(Role.SUPPLIER_STAFF, cao_supplier, username="cao_supplier_staff")
    # Nothing configured: the region's finance bureau, unassigned; its administrators (and the city's) are told.
    lost = submit(cao_supplier, staff)
    assert lost.route == RouteReason.BUREAU
    assert lost.department == heze["cao_bureau"]
    assert lost.handler is None
    told = set(
        Notification.objects.filter(subject__contains=lost.number).values_list("recipient__username", flat=True)
    )
    assert told == {"svc_cao_admin", role_users[Role.BUREAU_ADMIN].username}
    # The city's default handler catches the county's requests…
    pairings.default_route_set(
        region=heze["city"],
        department=heze["city_dept"],
        handler=chain["handler"],
        section_head=chain["head"],
        director=chain["director"],
        valid_from=T0.date(),
        actor=chain["manager"],
        at=T0,
    )
    city_default = submit(cao_supplier, staff)
    assert city_default.route == RouteReason.DEFAULT
    assert city_default.handler == chain["handler"]
    # …until the county has its own.
    pairings.default_route_set(
        region=heze["cao"],
        department=heze["cao_dept"],
        handler=chain["cao_handler"],
        section_head=chain["cao_head"],
        director=chain["cao_director"],
        valid_from=T0.date(),
        actor=chain["cao_manager"],
        at=T0,
    )
    county_default = submit(cao_supplier, staff)
    assert county_default.route == RouteReason.DEFAULT
    assert county_default.handler == chain["cao_handler"]
    assert county_default.region == heze["cao"]


def test_SVC_ROUTE_a_dated_change_routes_from_its_date_and_keeps_routed_requests(
    heze: dict[str, Any], chain: dict[str, User], paired: Any, purchaser: User
) -> None:
    before = submit(heze["budget_unit"], purchaser)
    other = make_user(Role.BUREAU_REVIEWER, heze["city_dept"], username="svc_new_handler")
    change_on = T0.date() + dt.timedelta(days=14)
    pairings.department_pair(
        unit=heze["budget_unit"],
        department=heze["city_dept"],
        handler=other,
        section_head=chain["head"],
        director=chain["director"],
        valid_from=change_on,
        actor=chain["manager"],
        at=T0,
    )
    still_old = submit(heze["budget_unit"], purchaser, at=at_day(change_on - dt.timedelta(days=1)))
    new = submit(heze["budget_unit"], purchaser, at=at_day(change_on))
    assert still_old.handler == chain["handler"]
    assert new.handler == other
    before.refresh_from_db()
    assert before.handler == chain["handler"]  # routed requests keep their handler


def test_SVC_ROUTE_an_inactive_handler_is_skipped_for_the_next_one_up(
    heze: dict[str, Any], chain: dict[str, User], paired: Any, purchaser: User
) -> None:
    chain["handler"].is_active = False
    chain["handler"].save(update_fields=["is_active"])
    request = submit(heze["budget_unit"], purchaser)
    assert request.handler == chain["head"]


def test_only_the_organizations_own_staff_file_for_it(heze: dict[str, Any], supplier_user: User) -> None:
    with pytest.raises(PermissionDenied):
        submit(heze["budget_unit"], supplier_user)


# --- SVC-LINK ---------------------------------------------------------------------------------------------


def test_SVC_LINK_someone_elses_contract_is_refused_with_a_bilingual_message_naming_the_field(
    heze: dict[str, Any], contract: Any, supplier_user: User
) -> None:
    with pytest.raises(ServiceError) as exc:
        submit(
            heze["supplier"],
            supplier_user,
            category=Category.PAYMENT_DELAY,
            subject="合同款逾期未付",
            contract=contract.project.number,
        )
    error = exc.value
    assert error.code == DeskError.LINK_NOT_YOURS
    assert error.field == "contract"
    assert contract.project.number in error.message_zh
    assert "不是贵单位的合同" in error.message_zh
    assert "is not one of your organization's contracts" in error.message_en
    assert ServiceRequest.objects.count() == 0


def test_SVC_LINK_someone_elses_tender_and_payment_are_refused(
    heze: dict[str, Any], contract: Any, tender: Any, supplier_user: User
) -> None:
    with pytest.raises(ServiceError) as exc:
        submit(heze["supplier"], supplier_user, category=Category.SECURITY_REFUND, tender=tender.project.number)
    assert (exc.value.code, exc.value.field) == (DeskError.LINK_NOT_YOURS, "tender")
    payment = contract.payments.get()
    with pytest.raises(ServiceError) as exc:
        submit(heze["supplier"], supplier_user, category=Category.PAYMENT_DELAY, payment_id=payment.pk)
    assert (exc.value.code, exc.value.field) == (DeskError.LINK_NOT_YOURS, "payment_id")


def test_SVC_LINK_its_own_tender_contract_and_payment_are_accepted(
    contract: Any, winner: tuple[Any, User], purchaser: User, heze: dict[str, Any]
) -> None:
    org, user = winner
    number = contract.project.number
    by_tender = submit(org, user, category=Category.SECURITY_REFUND, tender=number)
    by_contract = submit(org, user, category=Category.PAYMENT_DELAY, contract=number)
    by_payment = submit(org, user, category=Category.PAYMENT_DELAY, payment_id=contract.payments.get().pk)
    assert by_tender.tender == contract.project.tender
    assert by_contract.contract == contract
    assert by_payment.payment == contract.payments.get()
    assert by_payment.link_label.startswith(number)
    # the purchaser may name its own contract too
    assert submit(heze["budget_unit"], purchaser, contract=number).contract == contract


def test_SVC_LINK_one_link_at_most_and_the_categories_that_need_one(contract: Any, winner: tuple[Any, User]) -> None:
    org, user = winner
    number = contract.project.number
    with pytest.raises(ServiceError) as exc:
        submit(org, user, tender=number, contract=number)
    assert exc.value.code == DeskError.LINK_ONE
    with pytest.raises(ServiceError) as exc:
        submit(org, user, category=Category.SECURITY_REFUND)
    assert (exc.value.code, exc.value.field) == (DeskError.LINK_REQUIRED, "tender")
    with pytest.raises(ServiceError) as exc:
        submit(org, user, category=Category.PAYMENT_DELAY)
    assert (exc.value.code, exc.value.field) == (DeskError.LINK_REQUIRED, "contract")


# --- input ------------------------------------------------------------------------------------------------


def test_over_long_or_missing_input_is_refused_not_cut(heze: dict[str, Any], supplier_user: User) -> None:
    with pytest.raises(ServiceErrorGroup) as exc:
        submit(heze["supplier"], supplier_user, category="complaint", subject="问" * 121, description="  ")
    fields = {e.field: e for e in exc.value.errors}
    assert set(fields) == {"category", "subject", "description"}
    assert "121" in fields["subject"].message_en
    assert "120" in fields["subject"].message_en
    assert "不会替您截断" in fields["subject"].message_zh or "截断" in fields["subject"].message_zh
    assert ServiceRequest.objects.count() == 0
    ok = submit(heze["supplier"], supplier_user, subject="问" * 120)
    assert len(ok.subject) == 120


# --- SVC-SLA ----------------------------------------------------------------------------------------------


def test_SVC_SLA_due_times_count_working_days_after_the_day_of_submission(
    heze: dict[str, Any], supplier_user: User
) -> None:
    friday = at_day(dt.date(2026, 6, 5), 16)
    request = submit(heze["supplier"], supplier_user, category=Category.POLICY_QUESTION, at=friday)
    first, resolution, _reopen, _step = rules.DEFAULT_LEVELS[Category.POLICY_QUESTION]
    assert request.first_response_wd == first == 1
    assert rules.local_day(request.first_response_due) == dt.date(2026, 6, 8)  # Monday
    assert rules.local_day(request.resolution_due) == calendar.add_working_days(dt.date(2026, 6, 5), resolution)
    # Across the Dragon Boat Festival (Friday 2026-06-19 is a holiday): 5 WD after Tuesday 16 June.
    tuesday = submit(heze["supplier"], supplier_user, at=at_day(dt.date(2026, 6, 16)))
    assert rules.local_day(tuesday.resolution_due) == dt.date(2026, 6, 24)
    assert tuesday.resolution_due.astimezone(dt.UTC).hour == 15  # 23:59:59 in Asia/Shanghai
    assert tuesday.status == RequestStatus.NEW
    assert tuesday.next_check == tuesday.first_response_due


def test_SVC_SLA_a_new_level_applies_to_requests_filed_from_its_date(
    heze: dict[str, Any], chain: dict[str, User], supplier_user: User
) -> None:
    starts = T0.date() + dt.timedelta(days=7)
    level = pairings.service_level_set(
        category=Category.POLICY_QUESTION,
        first_response_wd=2,
        resolution_wd=8,
        reopen_days=10,
        escalation_step_wd=2,
        effective_from=starts,
        actor=chain["manager"],
        at=T0,
        note="菏财采〔2026〕9号",
    )
    earlier = submit(heze["supplier"], supplier_user, at=at_day(starts - dt.timedelta(days=1)))
    later = submit(heze["supplier"], supplier_user, at=at_day(starts))
    assert (earlier.first_response_wd, earlier.resolution_wd, earlier.service_level) == (1, 5, None)
    assert (later.first_response_wd, later.resolution_wd, later.reopen_days, later.service_level) == (2, 8, 10, level)
