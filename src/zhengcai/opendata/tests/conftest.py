"""A whole procurement driven through the real services, and offline OCDS tooling (libcoveocds, ocdsmerge)."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.response import HTTPResponse

from conftest import make_user
from zhengcai.accounts.models import User
from zhengcai.core.permissions import Role
from zhengcai.guarantees.services import guarantee_accept, guarantee_issue, issuer_key_generate
from zhengcai.opendata import schema
from zhengcai.organizations.models import OrganizationKind
from zhengcai.organizations.services import organization_create
from zhengcai.procurement.bidding import award_decide, bid_submit, evaluate_lowest_price, tender_open
from zhengcai.procurement.documents import tender_document_upload
from zhengcai.procurement.lifecycle import (
    acceptance_record,
    challenge_submit,
    contract_amend,
    contract_publish,
    contract_sign,
    payment_record,
    result_publish,
)
from zhengcai.procurement.models import Contract, Intention, Project, Tender
from zhengcai.procurement.services import intention_create, intention_publish, tender_correct
from zhengcai.procurement.tests import conftest as procurement_fixtures
from zhengcai.procurement.tests.conftest import D0, OPENING, PUBLISH_ON, at

# The procurement fixtures, shared with this app's tests (a non-root conftest cannot use pytest_plugins).
_fresh_calendar = procurement_fixtures._fresh_calendar
purchaser = procurement_fixtures.purchaser
intention = procurement_fixtures.intention
project = procurement_fixtures.project
tender = procurement_fixtures.tender
bidders = procurement_fixtures.bidders

PRICES = [160_0000_00, 170_0000_00, 158_0000_00]  # large, small (wins at 153万 evaluated), medium


@dataclass
class Lifecycle:
    intention: Intention
    project: Project
    tender: Tender
    contract: Contract
    county_intention: Intention


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def lifecycle(
    heze: dict[str, Any],
    intention: Intention,
    tender: Tender,
    bidders: list[Any],
    purchaser: User,
) -> Lifecycle:
    """Intention → project → notice → correction → document → 3 sealed bids → opening → evaluation → award →
    result → contract → publication → challenge → acceptance → payment; and an intention in 曹县."""
    tender_correct(
        tender=tender, text="更正技术参数第3项", affects_preparation=True, actor=purchaser, at=at(PUBLISH_ON, 15)
    )
    tender_document_upload(
        tender=tender,
        stream=io.BytesIO(b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
        filename="招标文件.pdf",
        title="招标文件",
        kind="tender_documents",
        actor=purchaser,
        at=at(PUBLISH_ON + dt.timedelta(days=1)),
    )
    for (org, user), price in zip(bidders, PRICES, strict=True):
        bid_submit(
            tender=tender,
            supplier=org,
            price_fen=price,
            technical_response="响应",
            actor=user,
            at=at(PUBLISH_ON + dt.timedelta(days=3)),
        )
    tender_open(tender=tender, actor=purchaser, at=OPENING)
    evaluate_lowest_price(project=tender.project, actor=purchaser, at=OPENING + dt.timedelta(hours=2))
    award = award_decide(project=tender.project, actor=purchaser, at=OPENING + dt.timedelta(days=1))
    result_publish(award=award, actor=purchaser, at=at(dt.date(2026, 4, 23)))
    contract = contract_sign(
        award=award, signed_on=dt.date(2026, 5, 6), advance_payment_fen=0, actor=purchaser, at=at(dt.date(2026, 5, 6))
    )
    contract_publish(contract=contract, actor=purchaser, at=at(dt.date(2026, 5, 7)))
    contract_amend(  # D-CONTRACT-PUB-2WD: a change, published as recorded (contractAmendment)
        contract=contract,
        changed_on=dt.date(2026, 5, 20),
        rationale="追加 2 套",
        description="追加同型号设备 2 套",
        amount_after_fen=contract.amount_fen + contract.amount_fen // 20,
        actor=purchaser,
        at=at(dt.date(2026, 5, 21)),
    )
    contract.refresh_from_db()
    # the winner's performance guarantee (S-PERF-10PCT), accepted by the purchaser: contracts[].guarantees
    guarantor = make_user(Role.GUARANTOR_OFFICER, heze["guarantor"])
    issuer_key_generate(institution=heze["guarantor"], actor=guarantor, at=at(dt.date(2026, 5, 21)))
    performance = guarantee_issue(
        issuer=heze["guarantor"],
        kind="performance",
        project=tender.project,
        contract=contract,
        applicant=contract.supplier,
        amount_fen=contract.amount_fen // 20,
        valid_from=dt.date(2026, 5, 22),
        valid_until=dt.date(2027, 5, 21),
        actor=guarantor,
        at=at(dt.date(2026, 5, 22)),
    )
    guarantee_accept(guarantee=performance, actor=purchaser, at=at(dt.date(2026, 5, 22), 11))
    loser_org, loser = bidders[0]
    challenge_submit(
        project=tender.project,
        supplier=loser_org,
        known_on=dt.date(2026, 4, 23),
        text="评审不公",
        actor=loser,
        at=at(dt.date(2026, 4, 24)),
    )
    acceptance_record(
        contract=contract,
        passed=True,
        accepted_on=dt.date(2026, 6, 1),
        note="合格",
        actor=purchaser,
        at=at(dt.date(2026, 6, 1)),
    )
    payment_record(
        contract=contract,
        amount_fen=contract.amount_fen,
        paid_on=dt.date(2026, 6, 20),
        is_advance=False,
        actor=purchaser,
        at=at(dt.date(2026, 6, 20)),
    )
    county_unit = organization_create(
        kind=OrganizationKind.BUDGET_UNIT, name="曹县第一中学", region=heze["cao"], actor="test", at=at(D0)
    )
    county_staff = make_user(Role.PURCHASER_STAFF, county_unit)
    draft = intention_create(
        purchaser=county_unit,
        title="曹县第一中学课桌椅采购",
        demand_summary="课桌椅 500 套",
        budget_fen=45_0000_00,
        expected_month=dt.date(2026, 9, 1),
        actor=county_staff,
        at=at(dt.date(2026, 7, 1)),
    )
    county_intention = intention_publish(intention=draft, actor=county_staff, at=at(dt.date(2026, 7, 1)))
    tender.refresh_from_db()
    contract.refresh_from_db()
    return Lifecycle(intention, tender.project, tender, contract, county_intention)


# --- offline OCDS tooling -------------------------------------------------------------------


def _extension_zip(directory: Path, root: str) -> bytes:
    """A GitHub-style archive of a vendored extension (what ocdsextensionregistry downloads)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{root}/", "")
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, f"{root}/{path.relative_to(directory).as_posix()}")
    return buffer.getvalue()


def local_files() -> dict[str, bytes]:
    """Every URL the validators may ask for, answered from this app's vendored copies."""
    files: dict[str, bytes] = {}
    for name, ref in schema.COMMUNITY_EXTENSIONS.items():
        directory = schema.EXTENSIONS_DIR / name
        files[f"https://github.com/open-contracting-extensions/{name}/archive/{ref}.zip"] = _extension_zip(
            directory, f"{name}-{ref}"
        )
        base = schema.community_extension_url(name).removesuffix("extension.json")
        for path in directory.rglob("*"):
            if path.is_file():
                files[base + path.relative_to(directory).as_posix()] = path.read_bytes()
    local_base = schema.local_extension_url("http://testserver").removesuffix("extension.json")
    for path in schema.LOCAL_EXTENSION_DIR.rglob("*"):
        if path.is_file():
            files[local_base + path.relative_to(schema.LOCAL_EXTENSION_DIR).as_posix()] = path.read_bytes()
    for path in schema.STANDARD_DIR.glob("*.json"):
        for scheme in ("http", "https"):
            files[f"{scheme}://standard.open-contracting.org/schema/{schema.STANDARD_TAG}/{path.name}"] = (
                path.read_bytes()
            )
    return files


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """No network: every HTTP request made through requests is answered locally or refused."""
    files = local_files()
    requested: list[str] = []

    def send(self: HTTPAdapter, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        url = str(request.url)
        requested.append(url)
        if url not in files:
            raise requests.ConnectionError(f"offline test: no local copy of {url}")
        raw = HTTPResponse(body=io.BytesIO(files[url]), headers={}, status=200, preload_content=False, request_url=url)
        return self.build_response(request, raw)

    monkeypatch.setattr(HTTPAdapter, "send", send)
    return files


@pytest.fixture(scope="session")
def standard_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The vendored standard schema laid out as the standard's own ZIP (``standard-1__1__5/schema/...``)."""
    path = tmp_path_factory.mktemp("ocds") / "standard.zip"
    root = f"standard-{schema.STANDARD_TAG}"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{root}/", "")
        archive.writestr(f"{root}/schema/", "")
        for file in sorted(schema.STANDARD_DIR.rglob("*")):
            if file.is_file():
                archive.write(file, f"{root}/schema/{file.relative_to(schema.STANDARD_DIR).as_posix()}")
    return path


@pytest.fixture(scope="session")
def patched_schema_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("ocds") / "release-schema.json"
    path.write_text(json.dumps(schema.patched_release_schema(), ensure_ascii=False), encoding="utf-8")
    return str(path)


def cove(package: dict[str, Any], standard_zip: Path, output_dir: Path) -> dict[str, Any]:
    """libcoveocds in API context, offline: the standard from the local ZIP, extensions from ``offline``."""
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig

    config = LibCoveOCDSConfig({"context": "api", "standard_zip": f"file://{standard_zip}"})
    output_dir.mkdir(parents=True, exist_ok=True)
    return dict(ocds_json_output(str(output_dir), json_data=package, lib_cove_ocds_config=config))
