"""The demo training year (``zhengcai.demo.training_seed``) on a small Heze: through the services, attendance
by every path, the demo logins' registrations to come, and safe to run again."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import AT, make_user
from zhengcai.accounts.models import User
from zhengcai.core.audit import verify_chain
from zhengcai.core.permissions import Role
from zhengcai.demo.training_seed import seed_training, slides_pdf
from zhengcai.organizations.models import OrganizationKind
from zhengcai.organizations.services import organization_create
from zhengcai.training.models import AttendanceImport, CompletionSource, Registration, RegistrationStatus
from zhengcai.training.services import pdf_pages

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_world(heze: dict[str, Any]) -> dict[str, Any]:
    for region in (heze["city"], heze["cao"], heze["shan"]):
        for name in ("教育局", "卫生健康局", "交通运输局", "农业农村局"):
            organization_create(
                kind=OrganizationKind.BUDGET_UNIT, name=f"{region.name}{name}x", region=region, actor="test", at=AT
            )
    for username, role, org in (
        ("reviewer", Role.BUREAU_REVIEWER, heze["city_dept"]),
        ("agency", Role.AGENCY_STAFF, heze["agency"]),
        ("purchaser", Role.PURCHASER_STAFF, heze["budget_unit"]),
    ):
        user = make_user(role, org, username=username)
        user.display_name = {"agency": "陈芳（代理机构）", "purchaser": "刘强（市教育局）"}.get(username, "")
        user.save(update_fields=["display_name"])
    return heze


def test_seed_training_runs_every_path_and_is_safe_to_run_again(demo_world: dict[str, Any]) -> None:
    report = seed_training()
    assert report["participants"] >= 40
    sources = set(Registration.objects.exclude(completed_at=None).values_list("completion_source", flat=True))
    assert sources == {CompletionSource.CHECKIN, CompletionSource.LIVE_EXPORT, CompletionSource.RECORDED}
    assert report["attended"] == Registration.objects.exclude(completed_at=None).count()
    assert AttendanceImport.objects.count() == 3
    assert all(i.unmatched for i in AttendanceImport.objects.all())  # the guests who registered nowhere
    agency = User.objects.get(username="agency")
    upcoming = Registration.objects.get(participant__user=agency, session__course__mode="offline")
    assert upcoming.status == RegistrationStatus.REGISTERED
    assert upcoming.completed_at is None
    recorded = Registration.objects.get(participant__user=agency, session__course__mode="recorded")
    assert recorded.completed_at is None
    assert recorded.progress.exists()
    assert list(verify_chain()) == []
    assert seed_training() == {"skipped": True}


def test_generated_slides_are_real_pdfs_with_their_pages() -> None:
    pdf = slides_pdf("第一讲", ["一", "二", "三"])
    assert pdf.startswith(b"%PDF-")
    assert pdf_pages(pdf) == 3
