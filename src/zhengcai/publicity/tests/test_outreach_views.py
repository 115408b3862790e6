"""Pages of paper media and events: generate and download a leaflet, record print runs and distributions
(forms keep the input on error), events with attendance, and the scope of each page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from zhengcai.accounts.models import User
from zhengcai.core import clock
from zhengcai.publicity import outreach
from zhengcai.publicity.models import Distribution, Event, Leaflet, PrintRun


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def leaflet(interpretation: Any, city_editor: User) -> Leaflet:
    return outreach.leaflet_generate(content=interpretation, format="a4", actor=city_editor, at=clock.now())


@pytest.fixture
def run(leaflet: Leaflet, city_editor: User, heze: dict[str, Any]) -> PrintRun:
    return outreach.print_run_record(
        leaflet=leaflet,
        copies=100,
        printer="菏泽新华印刷厂",
        printed_on=clock.today(),
        region=heze["city"],
        actor=city_editor,
        at=clock.now(),
    )


def test_an_editor_generates_a_trifold_from_the_items_page_and_downloads_it(
    interpretation: Any, city_editor: User
) -> None:
    client = login(city_editor)
    page = client.get(f"/office/publicity/{interpretation.pk}/leaflets/")
    assert page.status_code == 200
    assert f'action="/office/publicity/{interpretation.pk}/leaflets/generate/"' in page.content.decode()
    response = client.post(f"/office/publicity/{interpretation.pk}/leaflets/generate/", {"format": "trifold"})
    leaflet = Leaflet.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/office/publicity/leaflets/{leaflet.pk}/"
    assert leaflet.format == "trifold"
    pdf = client.get(f"/office/publicity/leaflets/{leaflet.pk}/pdf/")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.getvalue().startswith(b"%PDF-")
    assert pdf["X-Checksum-SHA256"] == leaflet.sha256


def test_a_refused_leaflet_comes_back_with_the_bilingual_reason(
    heze: dict[str, Any], city_editor: User, publicity_reviewer: User, leader: User, policy_document: Any
) -> None:
    from .url_samples_outreach import published_item

    long = published_item(
        owner=heze["city_bureau"],
        editor=city_editor,
        reviewer=publicity_reviewer,
        leader=leader,
        at=clock.now() - dt.timedelta(hours=1),
        body="政府采购政策解读正文。" * 900,
        documents=[policy_document],
    )
    client = login(city_editor)
    response = client.post(f"/office/publicity/{long.pk}/leaflets/generate/", {"format": "trifold"}, follow=True)
    html = response.content.decode()
    assert "三折页" in html
    assert "tri-fold" in html
    assert Leaflet.objects.count() == 0


def test_the_print_run_form_keeps_the_input_when_refused(
    leaflet: Leaflet, city_editor: User, heze: dict[str, Any]
) -> None:
    client = login(city_editor)
    tomorrow = clock.today() + dt.timedelta(days=1)
    response = client.post(
        f"/office/publicity/leaflets/{leaflet.pk}/runs/new/",
        {"copies": "300", "printer": "菏泽新华印刷厂", "printed_on": tomorrow.isoformat(), "region": heze["city"].pk},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="菏泽新华印刷厂"' in html
    assert 'value="300"' in html
    assert 'data-field="printed_on"' in html
    assert PrintRun.objects.count() == 0
    ok = client.post(
        f"/office/publicity/leaflets/{leaflet.pk}/runs/new/",
        {
            "copies": "300",
            "printer": "菏泽新华印刷厂",
            "printed_on": clock.today().isoformat(),
            "region": heze["city"].pk,
        },
    )
    assert ok.status_code == 302
    assert PrintRun.objects.get().copies == 300


def test_distributing_more_than_is_left_shows_what_is_left_and_keeps_the_input(
    run: PrintRun, city_editor: User, heze: dict[str, Any]
) -> None:
    client = login(city_editor)
    data = {
        "copies": "120",
        "place": "trading_hall",
        "place_detail": "一楼服务台",
        "region": heze["city"].pk,
        "distributed_on": clock.today().isoformat(),
        "staff": "王晓明",
    }
    response = client.post(f"/office/publicity/runs/{run.pk}/distribute/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "100" in html
    assert 'data-field="copies"' in html
    assert 'value="一楼服务台"' in html
    assert Distribution.objects.count() == 0
    assert client.post(f"/office/publicity/runs/{run.pk}/distribute/", {**data, "copies": "100"}).status_code == 302
    page = client.get(f"/office/publicity/runs/{run.pk}/")
    assert 'data-testid="run-remaining">0<' in page.content.decode()


def test_an_event_is_created_held_and_given_its_attendance_through_the_pages(
    city_editor: User, heze: dict[str, Any]
) -> None:
    client = login(city_editor)
    start = timezone.localtime(clock.now() - dt.timedelta(hours=2))
    data = {
        "kind": "publicity_day",
        "title": "政府采购政策宣传日",
        "region": heze["city"].pk,
        "place": "菏泽市公共资源交易中心",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": start.strftime("%Y-%m-%dT%H:%M"),  # not after the start: refused, input kept
    }
    refused = client.post("/office/publicity/events/new/", data)
    assert refused.status_code == 400
    assert 'value="政府采购政策宣传日"' in refused.content.decode()
    data["ends_at"] = (start + dt.timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M")
    created = client.post("/office/publicity/events/new/", data)
    event = Event.objects.get()
    assert created["Location"] == f"/office/publicity/events/{event.pk}/"
    early = client.get(f"/office/publicity/events/{event.pk}/attendance/")
    assert "请先将活动标记为已举办" in early.content.decode()
    assert client.post(f"/office/publicity/events/{event.pk}/attendance/", {"suppliers": "30"}).status_code == 400
    assert client.post(f"/office/publicity/events/{event.pk}/status/", {"status": "held"}).status_code == 302
    assert (
        client.post(f"/office/publicity/events/{event.pk}/attendance/", {"suppliers": "30", "public": "5"}).status_code
        == 302
    )
    page = client.get(f"/office/publicity/events/{event.pk}/").content.decode()
    assert 'data-testid="attendance-total">35<' in page
    listing = client.get("/office/publicity/events/?status=held").content.decode()
    assert "政府采购政策宣传日" in listing


def test_county_pages_answer_404_for_the_citys_runs_and_events(
    run: PrintRun, city_editor: User, cao_editor: User, heze: dict[str, Any]
) -> None:
    event = outreach.event_create(
        kind="meetup",
        title="市级供应商见面会",
        region=heze["city"],
        place="菏泽市财政局",
        starts_at=clock.now() + dt.timedelta(days=1),
        ends_at=clock.now() + dt.timedelta(days=1, hours=2),
        actor=city_editor,
        at=clock.now(),
    )
    client = login(cao_editor)
    assert client.get(f"/office/publicity/runs/{run.pk}/").status_code == 404
    assert client.get(f"/office/publicity/runs/{run.pk}/distribute/").status_code == 404
    assert client.get(f"/office/publicity/events/{event.pk}/").status_code == 404
    assert client.post(f"/office/publicity/events/{event.pk}/status/", {"status": "cancelled"}).status_code == 404
    assert "市级供应商见面会" not in client.get("/office/publicity/events/").content.decode()
    # the city's published interpretation itself is public: a county may print it for the county
    leaflet_page = client.get(f"/office/publicity/leaflets/{run.leaflet_id}/")
    assert leaflet_page.status_code == 200
    assert "菏泽新华印刷厂" not in leaflet_page.content.decode()  # but not the city's print runs


def test_the_leaflet_list_shows_printed_and_distributed_copies(
    run: PrintRun, city_editor: User, heze: dict[str, Any]
) -> None:
    outreach.distribution_record(
        run=run,
        copies=40,
        place="bureau",
        region=heze["city"],
        distributed_on=clock.today(),
        staff="李娜",
        actor=city_editor,
        at=clock.now(),
    )
    html = login(city_editor).get("/office/publicity/leaflets/").content.decode()
    assert '<td class="num">100</td>' in html
    assert '<td class="num">40</td>' in html


def test_the_event_and_leaflet_lists_read_in_a_fixed_number_of_queries(
    run: PrintRun, city_editor: User, heze: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    def add_event(n: int) -> None:
        event = outreach.event_create(
            kind="hall_desk",
            title=f"政策咨询台 {n}",
            region=heze["city"],
            place="交易大厅",
            starts_at=clock.now() - dt.timedelta(hours=1),
            ends_at=clock.now() + dt.timedelta(hours=1),
            actor=city_editor,
            at=clock.now(),
        )
        outreach.event_status_set(event=event, status="held", actor=city_editor, at=clock.now())
        outreach.event_attendance_record(event=event, counts={"suppliers": n}, actor=city_editor, at=clock.now())

    client = login(city_editor)
    add_event(1)
    client.get("/office/publicity/events/")
    with CaptureQueriesContext(connection) as one:
        client.get("/office/publicity/events/")
        client.get("/office/publicity/leaflets/")
    for n in range(2, 6):
        add_event(n)
    outreach.print_run_record(
        leaflet=run.leaflet,
        copies=10,
        printer="另一家印刷厂",
        printed_on=clock.today(),
        region=heze["city"],
        actor=city_editor,
        at=clock.now(),
    )
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get("/office/publicity/events/")
        client.get("/office/publicity/leaflets/")
    assert page.content.decode().count('data-testid="event-row"') == 5
