from __future__ import annotations

from enum import StrEnum


class FinancingError(StrEnum):
    NOT_OWN_CONTRACT = "financing.contract.not_own"  # FIN-OWN-CONTRACT
    CONTRACT_NOT_OPEN = "financing.contract.not_performing"  # FIN-CONTRACT-OPEN
    ALREADY_FINANCED = "financing.contract.open_financing"  # FIN-ONE-OPEN
    AMOUNT = "financing.amount.invalid"
    SHARE_CAP = "financing.amount.over_share"  # FIN-SHARE-CAP
    SIZE = "financing.product.size_not_eligible"  # FIN-SIZE
    NO_BANK = "financing.banks.required"
    PRODUCT = "financing.product.invalid"
    RATE = "financing.rate.out_of_range"  # FIN-RATE-RANGE
    TERM = "financing.term.too_long"  # FIN-TERM
    VALID_UNTIL = "financing.quote.valid_until"
    QUOTE_EXPIRED = "financing.quote.expired"
    NOT_ADDRESSED = "financing.bank.not_addressed"
    DATE = "financing.date.invalid"
    TEXT_REQUIRED = "financing.text.required"
    ACCOUNT = "financing.account.invalid"
    GUARANTOR = "financing.guarantor.invalid"
    CONSENT = "financing.consent.state"
    WEBHOOK_BANK = "financing.webhook.unknown_bank"
    WEBHOOK_EVENT = "financing.webhook.event"
