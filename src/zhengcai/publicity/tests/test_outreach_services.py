"""Print runs and distribution, events and attendance: the rules, the scope and the audit trail."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from conftest import AT
from zhengcai.accounts.models import User
from zhengcai.core.errors import ServiceError, ServiceErrorGroup
from zhengcai.core.models import AuditEvent
from zhengcai.publicity import outreach
from zhengcai.publicity.models import Distribution, Event, EventAttendance, Leaflet, PrintRun

DAY = AT.date()


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def leaflet(interpretation: Any, city_editor: User) -> Leaflet:
    return outreach.leaflet_generate(content=interpretation, format="a4", actor=city_editor, at=AT)


@pytest.fixture
def run(leaflet: Leaflet, city_editor: User, heze: dict[str, Any]) -> PrintRun:
    return outreach.print_run_record(
        leaflet=leaflet,
        copies=100,
        printer="菏泽新华印刷厂",
        printed_on=DAY,
        region=heze["city"],
        actor=city_editor,
        at=AT,
    )


def _distribute(run: PrintRun, actor: User, region: Any, copies: int, **extra: Any) -> Distribution:
    fields: dict[str, Any] = {
        "place": "trading_hall",
        "distributed_on": DAY,
        "staff": "王晓明、李娜",
        "at": AT + dt.timedelta(hours=1),
    }
    fields.update(extra)
    return outreach.distribution_record(run=run, copies=copies, region=region, actor=actor, **fields)


def _event(actor: User, region: Any, **extra: Any) -> Event:
    fields: dict[str, Any] = {
        "kind": "publicity_day",
        "title": "政府采购政策宣传日",
        "place": "菏泽市公共资源交易中心",
        "starts_at": AT - dt.timedelta(hours=1),
        "ends_at": AT + dt.timedelta(hours=3),
        "at": AT - dt.timedelta(days=7),
    }
    fields.update(extra)
    return outreach.event_create(region=region, actor=actor, **fields)


# --- print runs -------------------------------------------------------------------------------------------


def test_a_print_run_is_recorded_and_audited(run: PrintRun) -> None:
    assert (run.copies, run.printer, run.ordered_on) == (100, "菏泽新华印刷厂", DAY)
    event = AuditEvent.objects.get(action="leaflet_run.record", object_id=str(run.pk))
    assert (event.after or {})["copies"] == 100


@pytest.mark.parametrize("copies", [0, -5, outreach.MAX_COPIES + 1])
def test_a_print_run_needs_a_positive_number_of_copies(
    leaflet: Leaflet, city_editor: User, heze: dict[str, Any], copies: int
) -> None:
    with pytest.raises(ServiceError) as excinfo:
        outreach.print_run_record(
            leaflet=leaflet,
            copies=copies,
            printer="印刷厂",
            printed_on=DAY,
            region=heze["city"],
            actor=city_editor,
            at=AT,
        )
    assert excinfo.value.field == "copies"
    assert PrintRun.objects.count() == 0


def test_a_print_run_reports_every_broken_rule_at_once_and_never_cuts_the_printer(
    leaflet: Leaflet, city_editor: User, heze: dict[str, Any]
) -> None:
    with pytest.raises(ServiceErrorGroup) as excinfo:
        outreach.print_run_record(
            leaflet=leaflet,
            copies=10,
            printer="印" * 101,
            printed_on=DAY + dt.timedelta(days=1),
            region=heze["city"],
            actor=city_editor,
            at=AT,
        )
    assert {e.field for e in excinfo.value.errors} == {"printer", "printed_on"}
    [too_long] = [e for e in excinfo.value.errors if e.field == "printer"]
    assert "100" in too_long.message_en
    assert "101" in too_long.message_en


def test_a_county_editor_records_print_runs_for_the_county_only(
    leaflet: Leaflet, cao_editor: User, heze: dict[str, Any]
) -> None:
    """The city's published interpretation may be printed by a county, for the county."""
    run = outreach.print_run_record(
        leaflet=leaflet, copies=50, printer="曹县印刷厂", printed_on=DAY, region=heze["cao"], actor=cao_editor, at=AT
    )
    assert run.region == heze["cao"]
    with pytest.raises(PermissionDenied):
        outreach.print_run_record(
            leaflet=leaflet,
            copies=50,
            printer="单县印刷厂",
            printed_on=DAY,
            region=heze["shan"],
            actor=cao_editor,
            at=AT,
        )


# --- distribution -----------------------------------------------------------------------------------------


def test_distribution_never_exceeds_the_copies_printed_and_says_what_is_left(
    run: PrintRun, city_editor: User, heze: dict[str, Any]
) -> None:
    _distribute(run, city_editor, heze["city"], 60)
    _distribute(run, city_editor, heze["city"], 30)
    with pytest.raises(ServiceError) as excinfo:
        _distribute(run, city_editor, heze["city"], 11)
    assert excinfo.value.field == "copies"
    assert excinfo.value.params == {"remaining": 10, "printed": 100, "distributed": 90}
    assert "10" in excinfo.value.message_zh
    last = _distribute(run, city_editor, heze["city"], 10)  # exactly what is left: allowed
    assert sum(d.copies for d in Distribution.objects.filter(run=run)) == 100
    audit = AuditEvent.objects.get(action="leaflet_distribution.record", object_id=str(last.pk))
    assert (audit.after or {})["remaining"] == 0


def test_distribution_dates_lie_between_printing_and_today(
    run: PrintRun, city_editor: User, heze: dict[str, Any]
) -> None:
    for day in (DAY - dt.timedelta(days=1), DAY + dt.timedelta(days=1)):
        with pytest.raises(ServiceError) as excinfo:
            _distribute(run, city_editor, heze["city"], 5, distributed_on=day)
        assert excinfo.value.field == "distributed_on"
    assert Distribution.objects.count() == 0


def test_distribution_at_an_event_matches_its_place_region_and_days(
    run: PrintRun, city_editor: User, heze: dict[str, Any]
) -> None:
    event = _event(city_editor, heze["city"])
    with pytest.raises(ServiceError) as excinfo:
        _distribute(run, city_editor, heze["city"], 5, place="event")  # which event?
    assert excinfo.value.field == "event"
    with pytest.raises(ServiceErrorGroup) as group:
        _distribute(
            run, city_editor, heze["cao"], 5, event=event, place="bureau", distributed_on=DAY - dt.timedelta(days=1)
        )
    assert {e.field for e in group.value.errors} == {"place", "region", "distributed_on"}
    handed = _distribute(run, city_editor, heze["city"], 5, event=event, place="event")
    assert handed.event == event
    outreach.event_status_set(event=event, status="cancelled", actor=city_editor, at=AT)
    with pytest.raises(ServiceError) as excinfo:
        _distribute(run, city_editor, heze["city"], 5, event=event, place="event")
    assert excinfo.value.field == "event"


def test_a_county_editor_cannot_hand_out_copies_of_the_citys_print_run(
    run: PrintRun, cao_editor: User, heze: dict[str, Any]
) -> None:
    with pytest.raises(PermissionDenied):
        _distribute(run, cao_editor, heze["cao"], 5)


# --- events -----------------------------------------------------------------------------------------------


def test_an_event_is_created_planned_with_its_documents_and_audited(
    city_editor: User, heze: dict[str, Any], policy_document: Any
) -> None:
    event = _event(city_editor, heze["city"], documents=[policy_document], description="现场解答供应商问题")
    assert event.status == "planned"
    assert list(event.documents.all()) == [policy_document]
    audit = AuditEvent.objects.get(action="publicity_event.create", object_id=str(event.pk))
    assert (audit.after or {})["documents"] == [policy_document.pk]


def test_an_event_must_end_after_it_starts_and_have_a_title_and_place(city_editor: User, heze: dict[str, Any]) -> None:
    with pytest.raises(ServiceErrorGroup) as excinfo:
        _event(city_editor, heze["city"], title=" ", place="", ends_at=AT - dt.timedelta(hours=2))
    assert {e.field for e in excinfo.value.errors} == {"title", "place", "ends_at"}
    assert Event.objects.count() == 0


def test_a_county_editor_creates_events_in_the_county_only(cao_editor: User, heze: dict[str, Any]) -> None:
    assert _event(cao_editor, heze["cao"]).region == heze["cao"]
    with pytest.raises(PermissionDenied):
        _event(cao_editor, heze["city"])


def test_an_event_is_marked_held_only_once_it_has_started(city_editor: User, heze: dict[str, Any]) -> None:
    event = _event(
        city_editor, heze["city"], starts_at=AT + dt.timedelta(days=1), ends_at=AT + dt.timedelta(days=1, hours=2)
    )
    with pytest.raises(ServiceError) as excinfo:
        outreach.event_status_set(event=event, status="held", actor=city_editor, at=AT)
    assert excinfo.value.code == "publicity.outreach.event_not_started"
    held = outreach.event_status_set(event=event, status="held", actor=city_editor, at=AT + dt.timedelta(days=1))
    assert held.status == "held"
    audit = AuditEvent.objects.get(action="publicity_event.status", object_id=str(event.pk))
    assert (audit.before, audit.after) == ({"status": "planned"}, {"status": "held"})


@pytest.mark.parametrize(("first", "then"), [("held", "cancelled"), ("cancelled", "held"), ("held", "planned")])
def test_held_and_cancelled_are_final(city_editor: User, heze: dict[str, Any], first: str, then: str) -> None:
    event = _event(city_editor, heze["city"])
    outreach.event_status_set(event=event, status=first, actor=city_editor, at=AT)
    with pytest.raises(ServiceError) as excinfo:
        outreach.event_status_set(event=event, status=then, actor=city_editor, at=AT)
    assert excinfo.value.code == "core.transition.not_allowed"


# --- attendance -------------------------------------------------------------------------------------------


def test_attendance_is_recorded_only_for_held_events(city_editor: User, heze: dict[str, Any]) -> None:
    event = _event(city_editor, heze["city"])
    with pytest.raises(ServiceError) as excinfo:
        outreach.event_attendance_record(event=event, counts={"suppliers": 30}, actor=city_editor, at=AT)
    assert excinfo.value.code == "publicity.outreach.event_not_held"
    outreach.event_status_set(event=event, status="cancelled", actor=city_editor, at=AT)
    with pytest.raises(ServiceError):
        outreach.event_attendance_record(event=event, counts={"suppliers": 30}, actor=city_editor, at=AT)
    assert EventAttendance.objects.count() == 0


def test_attendance_per_audience_is_recorded_and_corrected_with_the_old_figures_in_the_audit(
    city_editor: User, heze: dict[str, Any]
) -> None:
    event = _event(city_editor, heze["city"])
    outreach.event_status_set(event=event, status="held", actor=city_editor, at=AT)
    rows = outreach.event_attendance_record(
        event=event, counts={"suppliers": 42, "purchasers": 8, "agencies": 0, "public": 0}, actor=city_editor, at=AT
    )
    assert [(r.audience, r.count) for r in rows] == [("suppliers", 42), ("purchasers", 8)]
    outreach.event_attendance_record(event=event, counts={"suppliers": 45, "public": 3}, actor=city_editor, at=AT)
    assert dict(EventAttendance.objects.filter(event=event).values_list("audience", "count")) == {
        "suppliers": 45,
        "purchasers": 8,
        "public": 3,
    }
    last = AuditEvent.objects.filter(action="publicity_event.attendance").order_by("-seq").first()
    assert last is not None
    assert last.before == {"attendance": {"suppliers": 42, "purchasers": 8}}
    assert last.after == {"attendance": {"suppliers": 45, "purchasers": 8, "public": 3}}


def test_attendance_refuses_negative_counts_and_an_empty_sheet(city_editor: User, heze: dict[str, Any]) -> None:
    event = _event(city_editor, heze["city"])
    outreach.event_status_set(event=event, status="held", actor=city_editor, at=AT)
    with pytest.raises(ServiceError) as excinfo:
        outreach.event_attendance_record(event=event, counts={"suppliers": -1}, actor=city_editor, at=AT)
    assert excinfo.value.field == "suppliers"
    with pytest.raises(ServiceError) as excinfo:
        outreach.event_attendance_record(event=event, counts={"suppliers": 0}, actor=city_editor, at=AT)
    assert excinfo.value.code == "publicity.outreach.required"
