"""Unified social credit code, GB 32100-2015 (with the GB 11714 organization code inside)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from zhengcai.organizations.rules import (
    ALPHABET,
    credit_code_check_char,
    credit_code_problem,
    make_credit_code,
    normalize_credit_code,
    org_code_check_char,
)

body8 = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8)
division = st.sampled_from(["371700", "371702", "371703", "371721", "371722", "371728"])


def test_published_example_codes_are_valid() -> None:
    # Worked example of the standard's algorithm: 9137170MA3C12345 style codes built from parts.
    code = make_credit_code("9", "1", "371700", "MA3C1234")
    assert len(code) == 18
    assert credit_code_problem(code) is None
    # A widely published real code (Huawei Technologies Co., Ltd., Shenzhen).
    assert credit_code_problem("914403001922038216") is None


def test_org_code_check_char_gb11714_examples() -> None:
    assert org_code_check_char("D2143569") == "X"  # GB 11714 worked example D2143569-X
    assert org_code_check_char("19220382") == "1"  # inside 914403001922038216


@given(body8, division)
def test_generated_codes_are_valid(body: str, div: str) -> None:
    assert credit_code_problem(make_credit_code("9", "1", div, body)) is None


@given(body8, division, st.integers(min_value=0, max_value=16), st.sampled_from(ALPHABET))
def test_any_single_substitution_is_caught_by_the_check_character(body: str, div: str, pos: int, ch: str) -> None:
    code = make_credit_code("9", "1", div, body)
    changed = code[:pos] + ch + code[pos + 1 :]
    if changed != code:
        problem = credit_code_problem(changed)
        assert problem is not None
        assert problem.rule == "check"


def test_wrong_length_and_alphabet() -> None:
    assert credit_code_problem("91371700") is not None
    assert credit_code_problem("91371700")  # truthy problem
    problem = credit_code_problem("91371700MA3C1234IO")
    assert problem is not None
    assert (problem.rule, problem.position) == ("alphabet", 17)


def test_check_character_is_from_the_31_character_alphabet() -> None:
    assert credit_code_check_char("91371700MA3C12345") in ALPHABET
    assert len(ALPHABET) == 31
    assert not set("IOZSV") & set(ALPHABET)


def test_normalize_strips_spaces_dashes_and_lowercase() -> None:
    assert normalize_credit_code(" 9137-1700 ma3c12345x ") == "91371700MA3C12345X"
