"""Releases from the real procurement services: which events, what they disclose, immutability, records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from ocdsmerge import Merger

from zhengcai.accounts.models import User
from zhengcai.core.models import AppendOnlyError
from zhengcai.opendata import build, jsoncodec
from zhengcai.opendata.merge import compile_releases
from zhengcai.opendata.models import Record, Release
from zhengcai.opendata.services import release_publish
from zhengcai.procurement.bidding import bid_submit, tender_open
from zhengcai.procurement.models import Intention, Project, Tender
from zhengcai.procurement.services import project_create
from zhengcai.procurement.tests.conftest import project_input

from .conftest import OPENING, PRICES, PUBLISH_ON, Lifecycle, at

pytestmark = pytest.mark.django_db


def _numbers(node: Any) -> list[Decimal]:
    if isinstance(node, dict):
        return [n for v in node.values() for n in _numbers(v)]
    if isinstance(node, list):
        return [n for v in node for n in _numbers(v)]
    return [node] if isinstance(node, Decimal) else []


def test_every_public_event_is_one_release_with_its_tag(lifecycle: Lifecycle) -> None:
    ocid = build.project_ocid(lifecycle.project)
    assert [(r.ocid, r.tags) for r in Release.objects.order_by("seq")] == [
        (build.intention_ocid(lifecycle.intention), ["planning"]),
        (ocid, ["planning"]),
        (ocid, ["tender"]),
        (ocid, ["tenderAmendment"]),
        (ocid, ["tenderUpdate"]),
        (ocid, ["award"]),
        (ocid, ["awardUpdate"]),
        (ocid, ["contract"]),
        (ocid, ["contractUpdate"]),
        (ocid, ["contractAmendment"]),
        (ocid, ["contractUpdate"]),
        (ocid, ["implementation"]),
        (ocid, ["implementation"]),
        (build.intention_ocid(lifecycle.county_intention), ["planning"]),
    ]
    assert ocid == f"ocds-zc0000-{lifecycle.project.number}"
    seqs = list(Release.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))  # gap-free published order
    assert Release.objects.filter(ocid=ocid).first().data["id"] == f"{ocid}-1"  # type: ignore[union-attr]


def test_OCDS_mapping_of_the_compiled_record(lifecycle: Lifecycle) -> None:
    """DOMAIN.md "OCDS mapping hints": method, category, catalogue scheme, budget vs maximum price, scale."""
    c = Record.objects.get(ocid=build.project_ocid(lifecycle.project)).compiled_release
    tender = c["tender"]
    assert (tender["procurementMethod"], tender["procurementMethodDetails"]) == ("open", "公开招标")
    assert tender["mainProcurementCategory"] == "goods"
    assert tender["items"][0]["classification"] == {"scheme": "CN-ZFCGPM", "id": "A02010104"}
    assert c["planning"]["budget"]["amount"] == {"amount": Decimal("1800000.00"), "currency": "CNY"}
    assert tender["value"] == tender["maximumPrice"] == {"amount": Decimal("1750000.00"), "currency": "CNY"}
    assert tender["status"] == "complete"
    assert tender["smePriceDeductionPercent"] == Decimal("10.00")
    assert (tender["numberOfChallenges"], tender["numberOfComplaints"]) == (1, 0)
    assert "投标保证金 30,000.00 元" in tender["submissionTerms"]["depositsGuarantees"]  # S-BID-2PCT
    assert tender["amendments"][0]["description"].startswith("更正技术参数")
    assert [d["documentType"] for d in tender["documents"]] == ["tenderNotice", "biddingDocuments"]
    assert c["relatedProcesses"][0]["identifier"] == build.intention_ocid(lifecycle.intention)
    roles = {p["name"]: (p["roles"], p.get("details", {}).get("scale")) for p in c["parties"]}
    assert roles["菏泽市教育局"] == (["buyer", "payer"], None)
    assert roles["山东正信招标代理有限公司"] == (["procuringEntity"], None)
    assert roles["菏泽投标人1有限公司"] == (["tenderer", "supplier", "payee"], "small")
    assert roles["菏泽投标人0有限公司"] == (["tenderer"], "large")
    bids = {d["tenderers"][0]["name"]: (d["status"], d["value"]["amount"]) for d in c["bids"]["details"]}
    assert bids["菏泽投标人2有限公司"] == ("valid", Decimal("1580000.00"))  # lowest price, but not the winner:
    award, contract = c["awards"][0], c["contracts"][0]
    assert (award["status"], award["value"]["amount"]) == ("active", Decimal("1700000.00"))  # SME-PRICE-DEDUCT
    assert (contract["status"], contract["dateSigned"]) == ("terminated", "2026-05-06T00:00:00+08:00")
    [guarantee] = contract["guarantees"]  # the local extension, after the community guarantees extension
    assert (guarantee["obligations"], guarantee["status"]) == ("performance", "accepted")
    [payment] = contract["implementation"]["transactions"]
    assert payment["value"] == {"amount": Decimal("1785000.00"), "currency": "CNY"}  # after the contract change
    assert {m["id"]: m["status"] for m in contract["implementation"]["milestones"]} == {
        "acceptance": "met",
        "payment-due": "met",
    }


def test_amounts_are_numbers_with_exactly_two_decimals(lifecycle: Lifecycle) -> None:
    text = jsoncodec.dumps(Release.objects.get(ocid=build.project_ocid(lifecycle.project), tags=["contract"]).data)
    assert '"amount":1700000.00,"currency":"CNY"' in text
    assert '"amount":1800000.00' in text
    for release in Release.objects.all():
        amounts = [n for n in _numbers(release.data) if n != int(n) or n.as_tuple().exponent == -2]
        assert all(n.as_tuple().exponent == -2 for n in amounts), release.release_id


def test_no_bid_and_no_bid_price_is_public_before_the_opening(lifecycle: Lifecycle) -> None:
    prices = {Decimal(p).scaleb(-2) for p in PRICES}
    before = Release.objects.filter(date__lt=OPENING)
    assert before.count() == 4
    for release in before:
        assert "bids" not in release.data
        assert "tenderers" not in release.data.get("tender", {})
        assert not prices & set(_numbers(release.data)), release.release_id
        assert all("tenderer" not in p["roles"] for p in release.data["parties"])
    opening = Release.objects.get(tags=["tenderUpdate"])
    assert opening.date == OPENING
    assert {d["value"]["amount"] for d in opening.data["bids"]["details"]} == prices
    assert opening.data["tender"]["numberOfTenderers"] == 3


def test_failed_opening_makes_the_tender_unsuccessful(tender: Tender, bidders: list[Any], purchaser: User) -> None:
    for (org, user), price in list(zip(bidders, PRICES, strict=True))[:2]:  # M-MIN-BIDDERS: 2 < 3
        bid_submit(
            tender=tender, supplier=org, price_fen=price, technical_response="响应", actor=user, at=at(PUBLISH_ON)
        )
    tender_open(tender=tender, actor=purchaser, at=OPENING)
    release = Release.objects.order_by("-seq").first()
    assert release is not None
    assert release.tags == ["tenderUpdate"]
    assert release.data["tender"]["status"] == "unsuccessful"
    assert [s["value"] for s in release.data["bids"]["statistics"] if s["id"] == "bids"] == [2]


def test_a_project_is_not_public_before_its_intention(heze: dict[str, Any], purchaser: User) -> None:
    """D-INTENT-30D: the intention is the first disclosure; a project without one publishes nothing."""
    project = project_create(data=project_input(heze, None), actor=purchaser, at=at(PUBLISH_ON))
    assert release_publish(project_or_intention=project, tags=["planning"], at=at(PUBLISH_ON)) is None
    assert not Release.objects.filter(project=project).exists()


def test_unknown_release_tags_are_refused(intention: Intention) -> None:
    with pytest.raises(ValueError, match="not OCDS release tags"):
        release_publish(project_or_intention=intention, tags=["compiled"], at=at(PUBLISH_ON))


def test_releases_are_immutable(lifecycle: Lifecycle) -> None:
    release = Release.objects.order_by("seq").first()
    assert release is not None
    release.data["tag"] = ["tender"]
    with pytest.raises(AppendOnlyError):
        release.save()
    with pytest.raises(AppendOnlyError):
        release.delete()
    with pytest.raises(AppendOnlyError):
        Release.objects.filter(pk=release.pk).update(tags=["tender"])
    with pytest.raises(AppendOnlyError):
        Release.objects.all().delete()
    release.refresh_from_db()
    assert release.data["tag"] == ["planning"]


def test_records_equal_ocdsmerge_and_a_full_recompilation(lifecycle: Lifecycle, patched_schema_path: str) -> None:
    merger = Merger(schema=patched_schema_path)
    assert Record.objects.count() == 3
    for record in Record.objects.all():
        releases = [r.data for r in Release.objects.filter(ocid=record.ocid).order_by("seq")]
        assert record.release_ids == [r["id"] for r in releases]
        assert record.compiled_release == merger.create_compiled_release(releases), record.ocid
        assert record.compiled_release == compile_releases(releases)


def test_a_late_dated_release_recompiles_in_date_order(lifecycle: Lifecycle, patched_schema_path: str) -> None:
    project: Project = lifecycle.project
    release_publish(project_or_intention=project, tags=["tenderUpdate"], at=OPENING + dt.timedelta(minutes=5))
    record = Record.objects.get(ocid=build.project_ocid(project))
    releases = [r.data for r in Release.objects.filter(ocid=record.ocid).order_by("seq")]
    assert record.compiled_release == Merger(schema=patched_schema_path).create_compiled_release(releases)
    assert record.compiled_release["date"] == "2026-06-20T09:00:00+08:00"  # the latest release still wins
