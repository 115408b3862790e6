"""Back-office and public pages: issue form, keys, detail actions, scope, the PDF and the verification page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from zhengcai.accounts.models import User
from zhengcai.core import clock
from zhengcai.guarantees import pdf, signing
from zhengcai.guarantees.models import Guarantee, GuaranteeStatus, IssuerKey

from .conftest import DEADLINE_ON, ISSUE_AT, PUBLISH_ON

pytestmark = pytest.mark.django_db


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_public_verification_page_has_a_guided_empty_state(client: Client) -> None:
    html = client.get("/guarantees/verify/").content.decode()
    assert "ZCG1." in html
    assert signing.bureau_public_key() in html
    assert "verification-result" not in html


def test_issue_form_signs_and_shows_refusals_on_the_fields(
    heze: dict[str, Any], tender: Any, bidders: list[Any], guarantor_officer: User
) -> None:
    client = login(guarantor_officer)
    assert 'class="empty"' in client.get("/office/guarantees/new/").content.decode()  # no key yet: guided
    form = {
        "kind": "bid",
        "project": tender.project.number,
        "applicant": bidders[0][0].credit_code,
        "amount": "40000.00",  # over 2 % of 1.8 million
        "valid_from": PUBLISH_ON.isoformat(),
        "valid_until": (DEADLINE_ON + dt.timedelta(days=30)).isoformat(),
    }
    client.post("/office/guarantees/keys/", {"action": "generate"})
    with clock.travel(ISSUE_AT - timezone.now()):
        refused = client.post("/office/guarantees/new/", form)
        assert refused.status_code == 400
        assert 'data-field="amount"' in refused.content.decode()
        assert "S-BID-2PCT" in refused.content.decode()
        assert Guarantee.objects.count() == 0
        done = client.post("/office/guarantees/new/", {**form, "amount": "30000.00"})
    guarantee = Guarantee.objects.get()
    assert done.status_code == 302
    assert done["Location"] == f"/office/guarantees/{guarantee.number}/"
    assert guarantee.amount_fen == 3_0000_00
    assert guarantee.issued_by == guarantor_officer


def test_keys_page_rotates_and_revokes(heze: dict[str, Any], guarantor_officer: User) -> None:
    client = login(guarantor_officer)
    assert "empty" in client.get("/office/guarantees/keys/").content.decode()
    client.post("/office/guarantees/keys/", {"action": "generate"})
    client.post("/office/guarantees/keys/", {"action": "generate"})
    keys = list(IssuerKey.objects.order_by("id"))
    assert len(keys) == 2
    assert keys[0].retired_at is not None
    assert keys[1].active
    client.post("/office/guarantees/keys/", {"action": "revoke", "key": keys[0].pk, "reason": "轮换后作废"})
    keys[0].refresh_from_db()
    assert keys[0].revoked_at is not None
    assert keys[0].revocation_reason == "轮换后作废"


def test_purchaser_accepts_and_releases_from_the_detail_page(bid_guarantee: Guarantee, purchaser: User) -> None:
    client = login(purchaser)
    page = client.get(f"/office/guarantees/{bid_guarantee.number}/")
    assert page.status_code == 200
    assert 'value="accept"' in page.content.decode()
    with clock.travel(ISSUE_AT - timezone.now()):
        client.post(f"/office/guarantees/{bid_guarantee.number}/", {"action": "accept"})
        bid_guarantee.refresh_from_db()
        assert bid_guarantee.status == GuaranteeStatus.ACCEPTED
        client.post(f"/office/guarantees/{bid_guarantee.number}/", {"action": "release"})
    bid_guarantee.refresh_from_db()
    assert bid_guarantee.status == GuaranteeStatus.RELEASED


def test_claim_form_refusal_is_shown(performance_guarantee: Guarantee, purchaser: User) -> None:
    client = login(purchaser)
    with clock.travel(ISSUE_AT + dt.timedelta(days=40) - timezone.now()):
        client.post(f"/office/guarantees/{performance_guarantee.number}/", {"action": "accept"})
        refused = client.post(
            f"/office/guarantees/{performance_guarantee.number}/",
            {"action": "claim", "amount": "999999.00", "reason": "违约"},
        )
    assert refused.status_code == 400
    assert 'data-field="amount"' in refused.content.decode()
    assert Guarantee.objects.get(pk=performance_guarantee.pk).status == GuaranteeStatus.ACCEPTED


def test_guarantees_outside_ones_scope_answer_404(
    bid_guarantee: Guarantee, bank_officer: User, bidders: list[Any]
) -> None:
    for user in (bank_officer, bidders[0][1]):  # another institution; a supplier that is not the applicant
        client = login(user)
        assert client.get(f"/office/guarantees/{bid_guarantee.number}/").status_code == 404
        assert client.get(f"/office/guarantees/{bid_guarantee.number}/pdf/").status_code == 404
        assert bid_guarantee.number not in client.get("/office/guarantees/").content.decode()
    applicant = login(bidders[1][1])
    assert bid_guarantee.number in applicant.get("/office/guarantees/").content.decode()


def test_list_query_count_does_not_grow(
    bid_guarantee: Guarantee,
    performance_guarantee: Guarantee,
    guarantor_officer: User,
    django_assert_max_num_queries: Any,
) -> None:
    client = login(guarantor_officer)
    with django_assert_max_num_queries(12):
        page = client.get("/office/guarantees/")
    assert page.content.decode().count("/office/guarantees/HZBH-") == 2


def test_pdf_renders_with_the_qr_of_its_payload(bid_guarantee: Guarantee) -> None:
    html = pdf.letter_html(bid_guarantee, base_url="https://zfcg.example.invalid/")
    url = signing.verify_url(bid_guarantee, base="https://zfcg.example.invalid/")
    assert '<html lang="zh-CN">' in html
    assert "投标保函" in html
    assert "人民币叁万元整" in html
    assert pdf.qr_svg(url) in html  # the QR matrix generated from the verification URL with the payload
    assert signing.payload_of(bid_guarantee) in html
    assert pdf.guarantee_pdf(bid_guarantee).startswith(b"%PDF-")
    from weasyprint import HTML

    assert len(HTML(string=html, base_url=str(pdf.FONT.parent)).render().pages) == 1  # one printed page


@pytest.mark.parametrize(
    ("fen", "words"),
    [
        (3_0000_00, "人民币叁万元整"),
        (17_0000_00, "人民币壹拾柒万元整"),
        (1_0050_00, "人民币壹万零伍拾元整"),
        (1005_30, "人民币壹仟零伍元叁角整"),
        (12_3456_07, "人民币壹拾贰万叁仟肆佰伍拾陆元零柒分"),
        (1_0000_0000_00, "人民币壹亿元整"),
        (5, "人民币伍分"),
    ],
)
def test_amount_in_capital_numerals(fen: int, words: str) -> None:
    assert pdf.amount_in_words(fen) == words
