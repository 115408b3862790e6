"""POL-NUMBER, POL-NUMBER-YEAR, POL-NUMBER-REQUIRED, POL-DATES, POL-LEVEL-REGION, POL-TYPE-LEVEL, POL-STATUS
(pure functions: no database)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhengcai.core.errors import ServiceError
from zhengcai.policies import rules

TODAY = dt.date(2026, 3, 2)


@pytest.mark.parametrize(
    ("raw", "expected", "kind"),
    [
        ("财库〔2020〕46号", "财库〔2020〕46号", rules.GBT_9704),
        ("鲁财采〔2022〕2号", "鲁财采〔2022〕2号", rules.GBT_9704),
        ("菏财采〔2023〕5号", "菏财采〔2023〕5号", rules.GBT_9704),
        ("财办库〔2020〕40号", "财办库〔2020〕40号", rules.GBT_9704),
        ("国务院令第658号", "国务院令第658号", rules.DECREE),
        ("财政部令第87号", "财政部令第87号", rules.DECREE),
        ("中华人民共和国主席令第十四号", "中华人民共和国主席令第十四号", rules.DECREE),
        ("中华人民共和国主席令第六十八号", "中华人民共和国主席令第六十八号", rules.DECREE),
    ],
)
def test_POL_NUMBER_accepts_the_official_formats(raw: str, expected: str, kind: str) -> None:
    number = rules.normalize_number(raw)
    assert number is not None
    assert (number.text, number.kind) == (expected, kind)


@pytest.mark.parametrize(
    "raw",
    [
        "财库[2020]46号",
        "财库(2020)46号",
        "财库（2020）46号",
        "财库【2020】46号",
        "财库［２０２０］４６号",
        "财库﹝2020﹞46号",
        "  财库〔2020〕46号\u3000",
        "财库 〔2020〕 46 号",
    ],
)
def test_POL_NUMBER_normalizes_harmless_variants(raw: str) -> None:
    number = rules.normalize_number(raw)
    assert number is not None
    assert number.text == "财库〔2020〕46号"
    assert (number.code, number.year, number.seq) == ("财库", 2020, 46)


def test_POL_NUMBER_reads_decree_numerals() -> None:
    number = rules.normalize_number("中华人民共和国主席令第六十八号")
    assert number is not None
    assert (number.code, number.seq, number.year) == ("中华人民共和国主席令", 68, None)


@pytest.mark.parametrize(
    "raw",
    [
        "财库2020年46号",  # no brackets
        "财库〔20〕46号",  # two-digit year
        "财库〔2020〕46",  # no 号
        "财库〔2020〕046号",  # leading zero (GB/T 9704: 1, not 01)
        "财库〔2020〕第46号",  # 第 in an issuing number
        "财库〔1900〕46号",  # year out of range
        "Caiku〔2020〕46号",  # Latin issuer code
        "〔2020〕46号",  # no issuer code
        "国务院令658号",  # a decree without 第
        "国务院令第〇五八号",  # not a standard numeral
        "主席令第一十四号",  # not the standard numeral (十四)
        "令第5号",  # no issuer
        "财库〔2020〕46号; DROP TABLE",
        "see attached",
    ],
)
def test_POL_NUMBER_refuses_unknown_formats_naming_the_field_and_the_format(raw: str) -> None:
    with pytest.raises(ServiceError) as exc:
        rules.normalize_number(raw)
    assert exc.value.field == "number"
    assert exc.value.code == "policies.number.format"
    assert "GB/T 9704" in exc.value.message_en
    assert "GB/T 9704" in exc.value.message_zh
    assert exc.value.message_zh != exc.value.message_en


def test_POL_NUMBER_refuses_an_over_long_number_instead_of_cutting_it() -> None:
    with pytest.raises(ServiceError) as exc:
        rules.normalize_number("财" * 60 + "〔2020〕1号")
    assert exc.value.code == "policies.too_long"
    assert exc.value.field == "number"


def test_POL_NUMBER_REQUIRED_only_a_law_may_have_no_number() -> None:
    assert rules.number_errors("", doc_type="law", issued_on=dt.date(2002, 6, 29)) == ("", [])
    _number, errors = rules.number_errors(" ", doc_type="normative", issued_on=dt.date(2020, 1, 1))
    assert [e.code for e in errors] == ["policies.number.required"]


def test_POL_NUMBER_YEAR_is_the_year_of_issue() -> None:
    number, errors = rules.number_errors("财库〔2020〕46号", doc_type="normative", issued_on=dt.date(2021, 1, 5))
    assert number == "财库〔2020〕46号"
    assert [e.code for e in errors] == ["policies.number.year"]
    assert "2020" in errors[0].message_zh
    assert "2021-01-05" in errors[0].message_zh
    assert rules.number_errors("财政部令第87号", doc_type="rule", issued_on=dt.date(2017, 7, 11))[1] == []


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (10, "十"),
        (14, "十四"),
        (68, "六十八"),
        (103, "一百零三"),
        (110, "一百一十"),
        (1050, "一千零五十"),
        (802, "八百零二"),
    ],
)
def test_chinese_numerals_round_trip(value: int, text: str) -> None:
    assert rules.cn_numeral(value) == text
    assert rules.parse_cn_numeral(text) == value


# --- hypothesis: the normalizer ----------------------------------------------------------------------------

_CODE_CHARS = "财库办鲁菏采政发厅函国务院部委"
codes = st.text(alphabet=_CODE_CHARS, min_size=1, max_size=6)
years = st.integers(min_value=rules.EARLIEST_YEAR, max_value=rules.LATEST_YEAR)
seqs = st.integers(min_value=1, max_value=99999)
brackets = st.sampled_from(
    [("〔", "〕"), ("[", "]"), ("(", ")"), ("（", "）"), ("【", "】"), ("［", "］"), ("〖", "〗"), ("﹝", "﹞")]
)
spaces = st.sampled_from(["", " ", "\u3000", "\t", "  "])


def _full_width(text: str) -> str:
    return "".join(chr(0xFF10 + int(c)) if c.isdigit() else c for c in text)


@given(code=codes, year=years, seq=seqs, pair=brackets, pad=spaces, wide=st.booleans())
def test_POL_NUMBER_normalizer_maps_every_harmless_variant_to_the_canonical_number(
    code: str, year: int, seq: int, pair: tuple[str, str], pad: str, wide: bool
) -> None:
    digits = (_full_width) if wide else (lambda s: s)
    raw = f"{pad}{code}{pair[0]}{digits(str(year))}{pair[1]}{pad}{digits(str(seq))}号{pad}"
    number = rules.normalize_number(raw)
    assert number is not None
    assert number.text == f"{code}〔{year}〕{seq}号"
    assert (number.code, number.year, number.seq) == (code, year, seq)
    assert rules.normalize_number(number.text) == number  # idempotent


@given(
    issuer=st.sampled_from(["国务院令", "财政部令", "中华人民共和国主席令"]),
    seq=st.integers(1, 9999),
    cn=st.booleans(),
)
def test_POL_NUMBER_decree_numbers_in_arabic_or_chinese_numerals(issuer: str, seq: int, cn: bool) -> None:
    written = rules.cn_numeral(seq) if cn else str(seq)
    number = rules.normalize_number(f"{issuer}第{written}号")
    assert number is not None
    assert (number.kind, number.code, number.seq) == (rules.DECREE, issuer, seq)


@given(st.text(max_size=40))
def test_POL_NUMBER_any_text_is_either_refused_on_the_number_field_or_canonical(raw: str) -> None:
    try:
        number = rules.normalize_number(raw)
    except ServiceError as exc:
        refused: ServiceError | None = exc
        number = None
    else:
        refused = None
    if refused is not None:
        assert (refused.field, refused.code in {"policies.number.format", "policies.too_long"}) == ("number", True)
        return
    if number is not None:
        assert rules.normalize_number(number.text) == number
        assert number.text.endswith("号")
        assert not any(ch.isspace() for ch in number.text)
        assert "〔" in number.text or "令第" in number.text


# --- dates, level and type, status -------------------------------------------------------------------------


def test_POL_DATES_effective_on_or_after_issue_and_issue_not_in_the_future() -> None:
    assert rules.date_errors(issued_on=dt.date(2020, 12, 18), effective_on=dt.date(2021, 1, 1), today=TODAY) == []
    assert rules.date_errors(issued_on=dt.date(2020, 12, 18), effective_on=dt.date(2020, 12, 18), today=TODAY) == []
    early = rules.date_errors(issued_on=dt.date(2020, 12, 18), effective_on=dt.date(2020, 12, 17), today=TODAY)
    assert [(e.code, e.field) for e in early] == [("policies.dates", "effective_on")]
    future = rules.date_errors(issued_on=TODAY + dt.timedelta(days=1), effective_on=None, today=TODAY)
    assert [(e.code, e.field) for e in future] == [
        ("policies.future", "issued_on"),
        ("policies.required", "effective_on"),
    ]


def test_POL_LEVEL_REGION_and_POL_TYPE_LEVEL() -> None:
    city = SimpleNamespace(is_city=True)
    county = SimpleNamespace(is_city=False)
    assert rules.level_errors(level="national", doc_type="law", region=None) == []
    assert rules.level_errors(level="city", doc_type="local", region=city) == []
    assert rules.level_errors(level="county", doc_type="normative", region=county) == []
    assert [e.field for e in rules.level_errors(level="national", doc_type="rule", region=city)] == ["region"]
    assert [e.field for e in rules.level_errors(level="city", doc_type="local", region=county)] == ["region"]
    assert [e.field for e in rules.level_errors(level="county", doc_type="local", region=None)] == ["region"]
    assert [e.code for e in rules.level_errors(level="provincial", doc_type="law", region=None)] == [
        "policies.type_level"
    ]
    assert [e.code for e in rules.level_errors(level="national", doc_type="local", region=None)] == [
        "policies.type_level"
    ]
    assert [e.code for e in rules.level_errors(level="galactic", doc_type="law", region=None)] == ["policies.choice"]


def _status(**kw: object) -> list[str]:
    args: dict[str, object] = {
        "document_pk": 1,
        "document_issued_on": dt.date(2004, 8, 11),
        "target": "repealed",
        "changed_on": dt.date(2017, 10, 1),
        "replacement": rules.Replacement(pk=2, issued_on=dt.date(2017, 7, 11), status="effective"),
        "today": TODAY,
    }
    args.update(kw)
    return [f"{e.code}@{e.field}" for e in rules.status_errors(**args)]  # type: ignore[arg-type]


def test_POL_STATUS_needs_a_date_and_amended_needs_the_amending_document() -> None:
    assert _status() == []
    assert _status(replacement=None) == []  # repealed without a replacement
    assert _status(changed_on=None) == ["policies.status.date@status_changed_on"]
    assert _status(target="amended", replacement=None) == ["policies.status.superseded_by@superseded_by"]


def test_POL_STATUS_dates_and_replacement_are_consistent() -> None:
    assert _status(changed_on=dt.date(2004, 1, 1)) == ["policies.status.date@status_changed_on"]
    assert _status(changed_on=TODAY + dt.timedelta(days=1)) == ["policies.future@status_changed_on"]
    assert _status(changed_on=dt.date(2010, 1, 1)) == ["policies.status.date@status_changed_on"]  # before the new
    assert _status(replacement=rules.Replacement(pk=1, issued_on=dt.date(2004, 8, 11), status="effective")) == [
        "policies.status.superseded_by@superseded_by"
    ]
    assert _status(replacement=rules.Replacement(pk=2, issued_on=dt.date(2000, 1, 1), status="effective")) == [
        "policies.status.superseded_by@superseded_by"
    ]
    assert _status(replacement=rules.Replacement(pk=2, issued_on=dt.date(2017, 7, 11), status="repealed")) == [
        "policies.status.superseded_by@superseded_by"
    ]


def test_POL_STATUS_transition_table() -> None:
    assert rules.STATUS_TRANSITIONS["effective"] == {"amended", "repealed"}
    assert rules.STATUS_TRANSITIONS["amended"] == {"repealed"}
    assert rules.STATUS_TRANSITIONS["repealed"] == frozenset()
