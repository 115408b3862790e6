"""Fixtures for guarantee tests: the procurement round of the procurement tests, institutions' officers and
keys, a contract signed with the winner, and guarantees issued through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from zhengcai.accounts.models import User
from zhengcai.core.permissions import Role
from zhengcai.guarantees import services
from zhengcai.guarantees.models import Guarantee, IssuerKey
from zhengcai.procurement.models import Contract
from zhengcai.procurement.tests import conftest as procurement
from zhengcai.procurement.tests.conftest import D0, DEADLINE_ON, OPENING, PUBLISH_ON, at

# The procurement tests' fixtures, reused as they are (a project, its open tender, three bidders, the award).
_fresh_calendar = procurement._fresh_calendar
purchaser = procurement.purchaser
intention = procurement.intention
project = procurement.project
tender = procurement.tender
bidders = procurement.bidders
awarded = procurement.awarded
__all__ = ["D0", "DEADLINE_ON", "OPENING", "PUBLISH_ON", "at"]

ISSUE_AT = at(PUBLISH_ON + dt.timedelta(days=2), 10)  # 2026-04-03 10:00, the tender is open
SIGNED_ON = DEADLINE_ON + dt.timedelta(days=3)  # 2026-04-24
CONTRACT_AT = at(SIGNED_ON, 15)


@pytest.fixture
def guarantor_officer(role_users: dict[Role, User]) -> User:
    return role_users[Role.GUARANTOR_OFFICER]


@pytest.fixture
def bank_officer(role_users: dict[Role, User]) -> User:
    return role_users[Role.BANK_OFFICER]


@pytest.fixture
def guarantor_key(heze: dict[str, Any], guarantor_officer: User) -> IssuerKey:
    return services.issuer_key_generate(institution=heze["guarantor"], actor=guarantor_officer, at=at(D0))


@pytest.fixture
def bank_key(heze: dict[str, Any], bank_officer: User) -> IssuerKey:
    return services.issuer_key_generate(institution=heze["bank"], actor=bank_officer, at=at(D0))


@pytest.fixture
def bid_guarantee(
    heze: dict[str, Any], tender: Any, bidders: list[Any], guarantor_key: IssuerKey, guarantor_officer: User
) -> Guarantee:
    """A bid guarantee of 30,000 yuan (budget 1.8 million: cap 36,000, S-BID-2PCT) for the small bidder."""
    return services.guarantee_issue(
        issuer=heze["guarantor"],
        kind="bid",
        project=tender.project,
        applicant=bidders[1][0],
        amount_fen=3_0000_00,
        valid_from=PUBLISH_ON,
        valid_until=DEADLINE_ON + dt.timedelta(days=90),
        actor=guarantor_officer,
        at=ISSUE_AT,
    )


@pytest.fixture
def contract(awarded: Any, purchaser: User) -> Contract:
    """The contract with the winner (the small enterprise, 1.7 million yuan)."""
    from zhengcai.procurement.lifecycle import contract_sign

    return contract_sign(award=awarded, signed_on=SIGNED_ON, actor=purchaser, at=CONTRACT_AT)


@pytest.fixture
def performance_guarantee(
    heze: dict[str, Any], contract: Contract, guarantor_key: IssuerKey, guarantor_officer: User
) -> Guarantee:
    """A performance guarantee of 85,000 yuan (5 % of the contract; cap 10 %: S-PERF-10PCT)."""
    return services.guarantee_issue(
        issuer=heze["guarantor"],
        kind="performance",
        project=contract.project,
        contract=contract,
        applicant=contract.supplier,
        amount_fen=8_5000_00,
        valid_from=SIGNED_ON,
        valid_until=SIGNED_ON + dt.timedelta(days=365),
        actor=guarantor_officer,
        at=CONTRACT_AT + dt.timedelta(hours=1),
    )
