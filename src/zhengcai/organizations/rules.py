"""Unified social credit code (统一社会信用代码), GB 32100-2015, with its GB 11714 organization code.

Layout (18 characters): registration authority (1), organization category (1),
administrative division (6), organization code (9, GB 11714 with its own check character),
check character (1). The alphabet has 31 characters: digits and upper-case letters
without I, O, Z, S, V.
"""

from __future__ import annotations

from dataclasses import dataclass

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def credit_code_check_char(first17: str) -> str:
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """GB 11714: digits are their value, letters A=10 … Z=35."""
    total = sum(int(ch, 36) * w for ch, w in zip(first8, ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


@dataclass(frozen=True)
class CreditCodeProblem:
    rule: str  # "length", "alphabet", "check"
    position: int | None = None
    expected: str | None = None


def credit_code_problem(code: str) -> CreditCodeProblem | None:
    """None when ``code`` is a valid unified social credit code, else what is wrong with it."""
    if len(code) != 18:
        return CreditCodeProblem("length")
    for i, ch in enumerate(code):
        if ch not in _VALUE:
            return CreditCodeProblem("alphabet", position=i + 1)
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        return CreditCodeProblem("check", position=18, expected=expected)
    return None


def normalize_credit_code(raw: str) -> str:
    return raw.strip().replace(" ", "").replace("-", "").upper()


def make_credit_code(authority: str, category: str, division: str, org_body8: str) -> str:
    """Build a valid code (for demo data and tests) from its parts."""
    org_code = org_body8 + org_code_check_char(org_body8)
    first17 = authority + category + division + org_code
    return first17 + credit_code_check_char(first17)
