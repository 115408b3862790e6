"""Registration: capacity and waiting list, closing time, once per person, own staff only, audience and
region, cancellation promoting the waiting list, bulk registration from the Excel template (all or nothing)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from conftest import AT, make_user
from zhengcai.accounts.models import User
from zhengcai.core.errors import ServiceError, ServiceErrorGroup
from zhengcai.core.models import AuditEvent, Notification
from zhengcai.core.permissions import Role
from zhengcai.training import imports, services
from zhengcai.training.models import Participant, Registration, RegistrationStatus, Session

from .conftest import AGENCY_PHONE, local, make_course, open_course, person, register, upload, xlsx_bytes

pytestmark = pytest.mark.django_db


def test_registration_within_capacity_gets_a_place_audited_and_notified(
    offline_session: Session, heze: dict[str, Any], agency_user: User
) -> None:
    colleague = make_user(Role.AGENCY_STAFF, heze["agency"], username="agency_registrar")
    registration = register(offline_session, heze["agency"], colleague, name="李娜", phone=AGENCY_PHONE)
    assert registration.status == RegistrationStatus.REGISTERED
    assert registration.waitlist_position is None
    assert registration.participant.user == agency_user  # linked by the account's mobile number
    assert AuditEvent.objects.filter(action="training.registration.create", object_id=str(registration.pk)).exists()
    assert Notification.objects.filter(recipient=agency_user, subject__contains="政府采购促进中小企业").exists()


def test_full_session_refuses_with_a_bilingual_message_unless_the_waiting_list_is_accepted(
    offline_session: Session, heze: dict[str, Any], agency_user: User
) -> None:
    for n in range(3):
        register(offline_session, heze["agency"], agency_user, name=f"员工{n}", phone=f"1380000001{n}")
    with pytest.raises(ServiceError) as full:
        register(offline_session, heze["agency"], agency_user, name="赵六", phone="13800000020")
    assert full.value.code == "training.registration.full"
    assert "3" in full.value.message_en
    assert "full" in full.value.message_en
    assert full.value.message_zh.startswith("本期名额已满：3 个名额均已报满。")
    waiting = register(
        offline_session, heze["agency"], agency_user, name="赵六", phone="13800000020", waitlist_ok=True
    )
    second = register(offline_session, heze["agency"], agency_user, name="钱七", phone="13800000021", waitlist_ok=True)
    assert (waiting.status, waiting.waitlist_position) == (RegistrationStatus.WAITLISTED, 1)
    assert second.waitlist_position == 2


def test_cancellation_promotes_the_first_on_the_waiting_list_and_tells_them(
    offline_session: Session, heze: dict[str, Any], agency_user: User
) -> None:
    placed = [
        register(offline_session, heze["agency"], agency_user, name=f"员工{n}", phone=f"1380000001{n}")
        for n in range(3)
    ]
    first = register(offline_session, heze["agency"], agency_user, name="赵六", phone="13800000020", waitlist_ok=True)
    second = register(offline_session, heze["agency"], agency_user, name="钱七", phone="13800000021", waitlist_ok=True)
    services.registration_cancel(registration=placed[0], actor=agency_user, at=AT + dt.timedelta(days=1))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.waitlist_position) == (RegistrationStatus.REGISTERED, None)
    assert (second.status, second.waitlist_position) == (RegistrationStatus.WAITLISTED, 2)
    assert AuditEvent.objects.filter(action="training.registration.promote", object_id=str(first.pk)).exists()
    assert Notification.objects.filter(recipient=agency_user, subject__startswith="候补转正").count() == 1


def test_a_person_is_registered_once_per_session(
    offline_session: Session, heze: dict[str, Any], agency_user: User
) -> None:
    register(offline_session, heze["agency"], agency_user, name="王芳", phone="138 0000 0011")
    with pytest.raises(ServiceError) as twice:
        register(offline_session, heze["agency"], agency_user, name="王芳", phone="+8613800000011")
    assert twice.value.code == "training.registration.already"
    assert Participant.objects.filter(organization=heze["agency"]).count() == 1


def test_registration_closes_at_its_time(offline_session: Session, heze: dict[str, Any], agency_user: User) -> None:
    with pytest.raises(ServiceError) as closed:
        register(offline_session, heze["agency"], agency_user, at=local(2026, 3, 8, 18))
    assert closed.value.code == "training.registration.closed"
    assert "2026-03-08 18:00" in closed.value.message_zh
    assert register(offline_session, heze["agency"], agency_user, at=local(2026, 3, 8, 17, 59)).pk


def test_organizations_register_only_their_own_staff(
    offline_session: Session, heze: dict[str, Any], agency_user: User, purchaser_user: User, trainer: User
) -> None:
    with pytest.raises(PermissionDenied):
        register(offline_session, heze["budget_unit"], agency_user)
    with pytest.raises(PermissionDenied):
        register(offline_session, heze["agency"], trainer)  # trainers run courses, organizations register
    assert register(offline_session, heze["budget_unit"], purchaser_user, name="张伟", phone="13900000002").pk
    assert not Registration.objects.filter(participant__organization=heze["budget_unit"], registered_by=agency_user)


def test_audience_and_region_limit_who_may_register(
    offline_session: Session, heze: dict[str, Any], county_trainer: User
) -> None:
    supplier_staff = make_user(Role.SUPPLIER_STAFF, heze["supplier"])
    with pytest.raises(ServiceError) as audience:
        register(offline_session, heze["supplier"], supplier_staff)
    assert audience.value.code == "training.registration.audience"
    assert "采购代理机构" in audience.value.message_zh
    from zhengcai.organizations.models import OrganizationKind
    from zhengcai.organizations.services import organization_create

    cao_course = make_course(
        heze, county_trainer, mode="offline", title="曹县采购人培训", region=heze["cao"], organizer=heze["cao_bureau"]
    )
    session = services.session_create(
        course=cao_course,
        data=services.SessionInput(
            starts_at=local(2026, 3, 20, 9),
            ends_at=local(2026, 3, 20, 11),
            registration_closes_at=local(2026, 3, 19, 18),
            venue="曹县财政局",
            capacity=30,
        ),
        actor=county_trainer,
        at=AT,
    )
    open_course(cao_course, county_trainer)
    shan_unit = organization_create(
        kind=OrganizationKind.BUDGET_UNIT, name="单县教育局", region=heze["shan"], actor="test", at=AT
    )
    with pytest.raises(ServiceError) as region:
        register(session, shan_unit, make_user(Role.PURCHASER_STAFF, shan_unit))
    assert region.value.code == "training.registration.region"
    assert "曹县" in region.value.message_zh
    cao_unit = organization_create(
        kind=OrganizationKind.BUDGET_UNIT, name="曹县教育局", region=heze["cao"], actor="test", at=AT
    )
    assert register(session, cao_unit, make_user(Role.PURCHASER_STAFF, cao_unit)).pk


def test_wrong_name_for_a_known_mobile_number_is_refused_not_renamed(
    offline_session: Session, heze: dict[str, Any], agency_user: User
) -> None:
    register(offline_session, heze["agency"], agency_user, name="王芳", phone="13800000011")
    registration = Registration.objects.get()
    services.registration_cancel(registration=registration, actor=agency_user, at=AT)
    with pytest.raises(ServiceError) as mismatch:
        register(offline_session, heze["agency"], agency_user, name="王方", phone="13800000011")
    assert mismatch.value.code == "training.participant.name_mismatch"
    assert Participant.objects.get().name == "王芳"


def test_cancelled_registration_can_register_again(
    offline_session: Session, heze: dict[str, Any], agency_user: User
) -> None:
    first = register(offline_session, heze["agency"], agency_user)
    services.registration_cancel(registration=first, actor=agency_user, at=AT)
    again = register(offline_session, heze["agency"], agency_user)
    assert again.pk != first.pk
    assert again.status == RegistrationStatus.REGISTERED


def test_cancelling_after_the_start_is_refused(
    offline_session: Session, heze: dict[str, Any], agency_user: User
) -> None:
    registration = register(offline_session, heze["agency"], agency_user)
    with pytest.raises(ServiceError) as late:
        services.registration_cancel(registration=registration, actor=agency_user, at=local(2026, 3, 9, 9, 30))
    assert late.value.code == "training.registration.not_cancellable"


def test_another_organization_cannot_cancel(
    offline_session: Session, heze: dict[str, Any], agency_user: User, purchaser_user: User
) -> None:
    registration = register(offline_session, heze["agency"], agency_user)
    with pytest.raises(PermissionDenied):
        services.registration_cancel(registration=registration, actor=purchaser_user, at=AT)


def test_bad_phone_and_missing_name_name_the_field(
    offline_session: Session, heze: dict[str, Any], agency_user: User
) -> None:
    with pytest.raises(ServiceErrorGroup) as bad:
        services.registration_create(
            session=offline_session, person=person("", "12345"), organization=heze["agency"], actor=agency_user, at=AT
        )
    fields = {e.field for e in bad.value.errors}
    assert fields == {"name", "phone"}
    assert any("12345" in e.message_zh for e in bad.value.errors)


def test_over_long_name_is_refused_not_cut(offline_session: Session, heze: dict[str, Any], agency_user: User) -> None:
    with pytest.raises(ServiceError) as long:
        register(offline_session, heze["agency"], agency_user, name="长" * 51)
    assert "50" in long.value.message_en
    assert not Participant.objects.exists()


# --- bulk -------------------------------------------------------------------------------------------------


def _bulk(session: Session, org: Any, user: User, rows: list[list[Any]], **kw: Any) -> list[Registration]:
    parsed = imports.read_registration_sheet(upload(xlsx_bytes(rows), "staff.xlsx"))
    return services.registration_bulk(session=session, organization=org, rows=parsed, actor=user, at=AT, **kw)


def test_bulk_registration_from_the_template_registers_every_row(
    offline_session: Session, heze: dict[str, Any], agency_user: User
) -> None:
    template = imports.registration_template(session=offline_session)
    rows = imports.read_registration_sheet(upload(template, "t.xlsx"))
    assert rows == []  # the template has the header only
    created = _bulk(
        offline_session,
        heze["agency"],
        agency_user,
        [["李娜", 13900000001, "项目经理"], ["王强", "139-0000-0003", ""]],
    )
    assert [r.participant.name for r in created] == ["李娜", "王强"]
    assert created[0].participant.job_title == "项目经理"
    assert AuditEvent.objects.filter(action="training.registration.bulk").count() == 1


def test_bulk_registration_reports_every_bad_row_and_imports_nothing(
    offline_session: Session, heze: dict[str, Any], agency_user: User
) -> None:
    with pytest.raises(ServiceErrorGroup) as bad:
        _bulk(
            offline_session,
            heze["agency"],
            agency_user,
            [["李娜", "13900000001"], ["", "13900000003"], ["王强", "1390000"], ["李娜", "13900000001"]],
        )
    messages = [e.message_zh for e in bad.value.errors]
    assert messages[0] == "第 3 行，姓名：缺少姓名。"
    assert messages[1].startswith("第 4 行，手机号：1390000 不是有效的大陆手机号")
    assert messages[2] == "第 5 行，手机号：与第 2 行是同一人。"
    assert bad.value.errors[0].message_en.startswith("Row 3, Name")
    assert not Registration.objects.exists()
    assert not Participant.objects.exists()


def test_bulk_over_capacity_says_how_many_places_are_left(
    offline_session: Session, heze: dict[str, Any], agency_user: User
) -> None:
    register(offline_session, heze["agency"], agency_user, name="先到", phone="13800000099")
    rows = [[f"员工{n}", f"1380000001{n}"] for n in range(3)]
    with pytest.raises(ServiceError) as over:
        _bulk(offline_session, heze["agency"], agency_user, rows)
    assert over.value.code == "training.import.over_capacity"
    assert "2" in over.value.message_en
    assert "3" in over.value.message_en
    assert over.value.message_zh == "表格共 3 人，但仅剩 2 个名额：未报名任何人。"
    assert Registration.objects.count() == 1
    created = _bulk(offline_session, heze["agency"], agency_user, rows, waitlist_ok=True)
    assert [r.status for r in created] == ["registered", "registered", "waitlisted"]


def test_malformed_sheet_is_refused_clearly(offline_session: Session, heze: dict[str, Any]) -> None:
    with pytest.raises(ServiceError) as not_excel:
        imports.read_registration_sheet(upload(b"name,phone\n", "staff.csv"))
    assert not_excel.value.code == "training.import.file"
    assert ".xlsx" in not_excel.value.message_en
    with pytest.raises(ServiceError) as header:
        imports.read_registration_sheet(upload(xlsx_bytes([["李娜"]], header=["人员"]), "staff.xlsx"))
    assert "姓名" in header.value.message_zh
    with pytest.raises(ServiceError) as broken:
        imports.read_registration_sheet(upload(b"PK\x03\x04broken", "staff.xlsx"))
    assert broken.value.code == "training.import.file"
