"""The credit pages: the supplier's own record, the bureau's supplier records, import and policy."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from zhengcai.accounts.models import User
from zhengcai.core.permissions import Role
from zhengcai.credit import rules
from zhengcai.credit.models import CreditImportBatch, CreditPolicy, CreditRecord
from zhengcai.credit.services import Entry, credit_policy_publish, credit_record_add, exemption_decide

pytestmark = pytest.mark.django_db


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def serious_entry(**kw: Any) -> Entry:
    base: dict[str, Any] = {
        "kind": "administrative_penalty",
        "severity": "serious",
        "occurred_on": days_ago(100),
        "expires_on": days_ago(-700),
        "description": "串通投标，罚款十万元",
        "reference": "菏市监处罚〔2026〕123号",
        "authority": "菏泽市市场监督管理局",
    }
    base.update(kw)
    return Entry(**base)


def test_supplier_sees_a_clean_record_and_the_exemption_outlook(role_users: dict[Role, User]) -> None:
    response = login(role_users[Role.SUPPLIER_STAFF]).get("/office/credit/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "菏泽鑫源办公设备有限公司" in page
    assert "免收投标保证金：近3年无严重失信记录（信用政策第1版）" in page  # built-in v1 until one is published
    assert 'class="empty"' in page  # no record, no decision: guided empty states
    assert CreditPolicy.objects.count() == 0  # the page only reads


def test_supplier_sees_records_and_past_decisions_with_explanations(
    heze: dict[str, Any], role_users: dict[Role, User], tender: Any
) -> None:
    credit_record_add(supplier=heze["supplier"], entry=serious_entry(), actor="test", at=timezone.now())
    exemption_decide(supplier=heze["supplier"], tender=tender, at=timezone.now())
    client = login(role_users[Role.SUPPLIER_STAFF])
    page = client.get("/office/credit/").content.decode()
    assert "串通投标，罚款十万元" in page
    assert "菏市监处罚〔2026〕123号" in page
    assert page.count('data-testid="credit-record"') == 1
    assert page.count('data-testid="exemption-decision"') == 1
    assert "不予免收投标保证金" in page
    assert tender.project.number in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/office/credit/").content.decode()
    assert "Not exempt from bid security" in english
    assert "My credit record" in english


def test_bureau_searches_adds_and_revokes(heze: dict[str, Any], role_users: dict[Role, User]) -> None:
    client = login(role_users[Role.BUREAU_REVIEWER])
    page = client.get("/office/credit/suppliers/").content.decode()
    assert 'class="empty"' in page
    found = client.get("/office/credit/suppliers/", {"q": heze["supplier"].credit_code}).content.decode()
    assert f"/office/credit/suppliers/{heze['supplier'].pk}/" in found
    url = f"/office/credit/suppliers/{heze['supplier'].pk}/"
    data = {
        "action": "add",
        "kind": "complaint_upheld",
        "severity": "major",
        "occurred_on": days_ago(10).isoformat(),
        "expires_on": "",
        "description": "投诉成立：投标产品不满足实质性要求",
        "reference": "菏财采决〔2026〕5号",
        "authority": "菏泽市财政局",
    }
    assert client.post(url, data).status_code == 302
    record = CreditRecord.objects.get()
    assert (record.source, record.kind, record.expires_on) == ("bureau", "complaint_upheld", None)
    refused = client.post(url, data)  # the same record again
    assert refused.status_code == 400
    assert "already on the supplier" in refused.content.decode() or "已" in refused.content.decode()
    future = client.post(url, {**data, "occurred_on": days_ago(-5).isoformat(), "reference": "x"})
    assert future.status_code == 400
    no_reason = client.post(url, {"action": "revoke", "record": record.pk, "reason": ""})
    assert no_reason.status_code == 400
    assert client.post(url, {"action": "revoke", "record": record.pk, "reason": "决定已撤销"}).status_code == 302
    record.refresh_from_db()
    assert record.revoked
    listing = client.get("/office/credit/suppliers/").content.decode()
    assert 'data-testid="credit-supplier"' not in listing  # no record in force any more


def test_county_reviewer_sees_only_the_county(heze: dict[str, Any], county_reviewer: User, cao_supplier: Any) -> None:
    client = login(county_reviewer)
    assert client.get(f"/office/credit/suppliers/{heze['supplier'].pk}/").status_code == 404
    assert client.get(f"/office/credit/suppliers/{cao_supplier.pk}/").status_code == 200
    name_search = client.get("/office/credit/suppliers/", {"q": "有限公司"}).content.decode()
    assert "曹县宏达商贸有限公司" in name_search
    assert "菏泽鑫源办公设备有限公司" not in name_search
    # the policy is the city's
    response = client.post(
        "/office/credit/policy/",
        {
            "effective_from": days_ago(-10).isoformat(),
            "serious_months": 36,
            "major_months": 24,
            "major_max": 1,
            "small_micro_extra_major": 0,
        },
    )
    assert response.status_code == 400
    assert CreditPolicy.objects.count() == 0


def test_import_page_shows_row_errors_and_imports_nothing(heze: dict[str, Any], role_users: dict[Role, User]) -> None:
    client = login(role_users[Role.BUREAU_ADMIN])
    assert 'class="empty"' in client.get("/office/credit/import/").content.decode()
    code = heze["supplier"].credit_code
    content = (
        "credit_code,kind,severity,occurred_on,expires_on,description,reference,authority\n"
        f"{code},administrative_penalty,major,{days_ago(30)},,罚款,菏市监处罚〔2026〕1号,\n"
        f"{code},administrative_penalty,grave,{days_ago(30)},,罚款,菏市监处罚〔2026〕2号,\n"
    ).encode()
    upload = SimpleUploadedFile("penalties.csv", content, content_type="text/csv")
    response = client.post("/office/credit/import/", {"file": upload})
    assert response.status_code == 400
    page = response.content.decode()
    assert page.count('data-testid="row-error"') == 1
    assert 'data-field="rows[3].severity"' in page
    assert CreditRecord.objects.count() == 0
    fixed = content.replace(b"grave", b"minor")
    response = client.post("/office/credit/import/", {"file": SimpleUploadedFile("penalties.csv", fixed)})
    assert response.status_code == 302
    assert CreditRecord.objects.count() == 2
    page = client.get("/office/credit/import/").content.decode()
    assert page.count('data-testid="import-batch"') == 1
    assert CreditImportBatch.objects.get().imported_by == role_users[Role.BUREAU_ADMIN]
    wrong = client.post("/office/credit/import/", {"file": SimpleUploadedFile("p.txt", b"x")})
    assert wrong.status_code == 400


def test_policy_page_publishes_versions(role_users: dict[Role, User]) -> None:
    client = login(role_users[Role.BUREAU_ADMIN])
    page = client.get("/office/credit/policy/").content.decode()
    assert 'class="empty"' in page
    form = {
        "effective_from": "2024-01-01",
        "serious_months": 36,
        "major_months": 24,
        "major_max": 2,
        "small_micro_extra_major": 0,
        "note": "试行",
    }
    assert client.post("/office/credit/policy/", form).status_code == 302
    bad = client.post("/office/credit/policy/", {**form, "effective_from": days_ago(-30).isoformat(), "major_max": 99})
    assert bad.status_code == 400
    assert "20" in bad.content.decode()
    ok = client.post("/office/credit/policy/", {**form, "effective_from": days_ago(-30).isoformat(), "major_max": 1})
    assert ok.status_code == 302
    assert list(CreditPolicy.objects.values_list("version", "rules__major_max")) == [(2, 1), (1, 2)]
    page = client.get("/office/credit/policy/").content.decode()
    assert page.count('data-testid="policy-version"') == 2
    assert "CREDIT-SERIOUS-36M" in page


def test_other_roles_are_refused(role_users: dict[Role, User]) -> None:
    for role in (Role.SUPPLIER_STAFF, Role.AUDITOR, Role.PURCHASER_STAFF, Role.BANK_OFFICER):
        client = login(role_users[role])
        for url in ("/office/credit/suppliers/", "/office/credit/import/", "/office/credit/policy/"):
            assert client.get(url).status_code == 403
    assert login(role_users[Role.BUREAU_ADMIN]).get("/office/credit/").status_code == 403
    assert Client().get("/office/credit/").status_code == 302


def test_policy_v1_rules_constant_matches_the_form_defaults(role_users: dict[Role, User]) -> None:
    page = login(role_users[Role.BUREAU_ADMIN]).get("/office/credit/policy/").content.decode()
    for value in rules.DEFAULT_RULES.values():
        assert f'value="{value}"' in page
    credit_policy_publish(
        rules_in={**rules.DEFAULT_RULES, "major_max": 4},
        effective_from=dt.date(2024, 1, 1),
        actor="t",
        at=timezone.now(),
    )
    page = login(role_users[Role.BUREAU_ADMIN]).get("/office/credit/policy/").content.decode()
    assert 'value="4"' in page  # the next version starts from the latest one
