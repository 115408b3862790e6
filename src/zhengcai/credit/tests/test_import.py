"""credit_import: CSV and JSON (docs/credit-import.md), all rows or none, row errors with number and column."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhengcai.accounts.models import User
from zhengcai.core.errors import ServiceError, ServiceErrorGroup
from zhengcai.core.models import AuditEvent
from zhengcai.core.permissions import Role
from zhengcai.credit.models import CreditImportBatch, CreditRecord
from zhengcai.credit.services import IMPORT_COLUMNS, credit_import
from zhengcai.organizations.models import OrganizationKind
from zhengcai.organizations.services import organization_create

from .conftest import moment

pytestmark = pytest.mark.django_db

AT = moment(dt.date(2026, 3, 2))
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CODES = {"9137170000J8NW0EX6": "city", "9137170224W2KDT17Y": "city", "91371721JDU87AW66U": "cao"}
HEADER = ",".join(IMPORT_COLUMNS)


@pytest.fixture
def listed(heze: dict[str, Any]) -> dict[str, Any]:
    """The suppliers named in the example files (credit codes as in fixtures/)."""
    return {
        code: organization_create(
            kind=OrganizationKind.SUPPLIER,
            name=f"示例供应商{i}有限公司",
            region=heze[region],
            credit_code=code,
            size="small",
            actor="test",
            at=AT,
        )
        for i, (code, region) in enumerate(CODES.items())
    }


@pytest.fixture
def reviewer(role_users: dict[Role, User]) -> User:
    return role_users[Role.BUREAU_REVIEWER]


def csv_of(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


GOOD = "9137170000J8NW0EX6,administrative_penalty,major,2025-06-12,2026-06-11,罚款五万元,菏市监处罚〔2025〕123号,菏泽市市场监督管理局"


def test_the_documented_example_files_import(listed: dict[str, Any], reviewer: User) -> None:
    content = (FIXTURES / "credit_records_example.csv").read_bytes()
    batch = credit_import(content=content, file_name="credit_records_example.csv", actor=reviewer, at=AT)
    assert (batch.format, batch.row_count, batch.imported_by) == ("csv", 4, reviewer)
    records = CreditRecord.objects.filter(batch=batch).order_by("id")
    assert [r.source for r in records] == ["import"] * 4
    dishonesty = records.get(kind="serious_dishonesty")
    assert (dishonesty.expires_on, dishonesty.supplier) == (None, listed["91371721JDU87AW66U"])
    assert records.get(reference="曹市监处罚〔2024〕18号").authority == "曹县市场监督管理局"
    event = AuditEvent.objects.get(action="credit.import")  # one event for the batch
    assert (event.after or {})["rows"] == 4
    assert (event.after or {})["sha256"] == batch.sha256
    # the JSON example repeats two of the CSV's records: refused as duplicates, nothing imported
    with pytest.raises(ServiceErrorGroup) as exc:
        credit_import(
            content=(FIXTURES / "credit_records_example.json").read_bytes(),
            file_name="credit_records_example.json",
            actor=reviewer,
            at=AT,
        )
    assert [e.code for e in exc.value.errors] == ["credit.record.duplicate"] * 2
    assert [e.params["row"] for e in exc.value.errors] == [1, 2]
    assert CreditRecord.objects.count() == 4


def test_json_example_imports_on_its_own(listed: dict[str, Any], reviewer: User) -> None:
    content = (FIXTURES / "credit_records_example.json").read_bytes()
    batch = credit_import(content=content, file_name="list.JSON", actor=reviewer, at=AT)
    assert (batch.format, batch.row_count) == ("json", 2)


def test_import_is_all_or_nothing_with_row_errors(listed: dict[str, Any], reviewer: User) -> None:
    content = csv_of(
        GOOD,
        "911111111111111111,administrative_penalty,major,2025-06-12,,罚款,菏市监处罚〔2025〕9号,",
        "9137170224W2KDT17Y,penalty,major,2025-13-01,2026-01-01,罚款,菏税稽罚〔2025〕45号,",
        "91371721JDU87AW66U,serious_dishonesty,major,2027-01-01,,,,",
        GOOD,
    )
    with pytest.raises(ServiceErrorGroup) as exc:
        credit_import(content=content, file_name="penalties.csv", actor=reviewer, at=AT)
    found = [(e.params["row"], e.params["column"], e.code) for e in exc.value.errors]
    assert found == [
        (3, "credit_code", "credit.import.supplier"),
        (4, "kind", "credit.record.kind"),
        (4, "occurred_on", "credit.record.date"),
        (5, "description", "credit.import.row"),
        (5, "occurred_on", "credit.record.date"),
        (5, "reference", "credit.import.row"),
        (5, "severity", "credit.record.dishonesty_severity"),
        (6, "reference", "credit.record.duplicate"),
    ]
    first = exc.value.errors[0]
    assert first.field == "rows[3].credit_code"
    assert first.message_en == (
        "Row 3, credit_code: No supplier with the unified social credit code 911111111111111111 is registered."
    )
    assert first.message_zh.startswith("第 3 行")
    assert "911111111111111111" in first.message_zh
    assert CreditRecord.objects.count() == 0
    assert CreditImportBatch.objects.count() == 0
    assert not AuditEvent.objects.filter(action="credit.import").exists()


def test_import_refuses_the_same_file_twice(listed: dict[str, Any], reviewer: User) -> None:
    content = csv_of(GOOD)
    first = credit_import(content=content, file_name="a.csv", actor=reviewer, at=AT)
    with pytest.raises(ServiceError) as exc:
        credit_import(content=content, file_name="again.csv", actor=reviewer, at=AT)
    assert exc.value.code == "credit.import.repeated_file"
    assert str(first.pk) in exc.value.message_en


def test_import_reads_gb18030_spreadsheets(listed: dict[str, Any], reviewer: User) -> None:
    content = ("\r\n".join([HEADER, GOOD]) + "\r\n").encode("gb18030")
    batch = credit_import(content=content, file_name="excel.csv", actor=reviewer, at=AT)
    assert CreditRecord.objects.get(batch=batch).description == "罚款五万元"


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b"", "empty.csv", "credit.import.empty"),
        (csv_of(), "header-only.csv", "credit.import.empty"),
        (b"code,kind\n1,2\n", "columns.csv", "credit.import.format"),
        (b"{not json", "bad.json", "credit.import.format"),
        (json.dumps([{"credit_code": "x"}]).encode(), "list.json", "credit.import.format"),
        (json.dumps({"records": [{"credit_code": 5}]}).encode(), "number.json", "credit.import.format"),
        (GOOD.encode(), "penalties.xlsx", "credit.import.format"),
        (b"\xff\xfe\x00\x00\xff", "binary.csv", "credit.import.format"),
    ],
)
def test_import_refuses_malformed_files(
    listed: dict[str, Any], reviewer: User, content: bytes, name: str, code: str
) -> None:
    with pytest.raises(ServiceError) as exc:
        credit_import(content=content, file_name=name, actor=reviewer, at=AT)
    assert exc.value.code == code
    assert exc.value.field == "file"
    assert CreditImportBatch.objects.count() == 0


def test_county_importer_only_for_suppliers_of_the_county(
    listed: dict[str, Any], county_reviewer: User, role_users: dict[Role, User]
) -> None:
    content = csv_of(
        "91371721JDU87AW66U,administrative_penalty,serious,2024-09-20,2027-09-19,串通投标,曹市监处罚〔2024〕18号,",
        GOOD,
    )
    with pytest.raises(ServiceError) as exc:
        credit_import(content=content, file_name="cao.csv", actor=county_reviewer, at=AT)
    assert (exc.value.code, exc.value.params["row"]) == ("credit.import.scope", 3)
    assert CreditRecord.objects.count() == 0
    only_cao = csv_of(
        "91371721JDU87AW66U,administrative_penalty,serious,2024-09-20,2027-09-19,串通投标,曹市监处罚〔2024〕18号,"
    )
    assert credit_import(content=only_cao, file_name="cao.csv", actor=county_reviewer, at=AT).row_count == 1
    with pytest.raises(PermissionDenied):
        credit_import(content=csv_of(GOOD), file_name="x.csv", actor=role_users[Role.SUPPLIER_STAFF], at=AT)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=12), min_size=1, max_size=9))
def test_import_parser_never_crashes_on_arbitrary_cells(
    listed: dict[str, Any], reviewer: User, cells: list[str]
) -> None:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerow(cells)
    content = (HEADER + "\n" + out.getvalue()).encode("utf-8")
    problem = ""
    try:
        credit_import(content=content, file_name="fuzz.csv", actor=reviewer, at=AT)
    except ServiceError as exc:
        problem = exc.message_en or "empty message"
    assert problem or CreditImportBatch.objects.filter(file_name="fuzz.csv").exists()
    assert CreditRecord.objects.filter(batch__file_name="fuzz.csv").count() <= 1
