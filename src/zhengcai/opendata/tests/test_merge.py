"""The merge (``merge.py``) against the reference implementation, ocdsmerge 0.8.0, on generated releases.

The releases vary what the fast paths depend on: parts equal to the compiled release or not, arrays of
objects merged by ``id`` (nested ones too), objects without ``id`` (which make a record not plain),
whole-list arrays, ``null`` scalars, and numbers that are equal but written differently (``1.0``/``1.00``,
``1``/``true``). They leave out what never arises from our builder and where ocdsmerge has quirks of its
own: ``null`` in place of an object or array, an object left with nothing but ``null`` (ocdsmerge keeps it
as ``{}``), objects with no value at all in an array, an ``id`` that changes its type between releases.
``null`` is therefore drawn only where its object always has something else (an ``id``, or the release).
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ocdsmerge import Merger

from zhengcai.opendata import jsoncodec
from zhengcai.opendata.merge import Compilation, compile_releases, is_plain, merge_release

OCID = "ocds-zc0000-T1"


@cache
def merger(path: str) -> Merger:
    return Merger(schema=path)


def canonical(value: Any) -> str:
    """JSON with sorted keys that tells apart every way of writing a value (``1.0``/``1.00``, ``1``/``true``)."""

    def number(o: Any) -> str:
        assert isinstance(o, Decimal)
        return f"Decimal({o})"

    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=number)


def jsonb_order(value: Any) -> Any:
    """Keys in the order PostgreSQL's jsonb gives them back: shorter first, then by bytes."""
    if isinstance(value, dict):
        return {k: jsonb_order(value[k]) for k in sorted(value, key=lambda k: (len(k.encode()), k.encode()))}
    if isinstance(value, list):
        return [jsonb_order(item) for item in value]
    return value


scalars = st.one_of(
    st.text(max_size=3),
    st.integers(-3, 3),
    st.booleans(),
    st.sampled_from([Decimal("1"), Decimal("1.0"), Decimal("1.00"), Decimal("2.50"), Decimal("-0.00")]),
)
maybe_null = st.one_of(scalars, st.none())
money = st.fixed_dictionaries({"amount": scalars, "currency": st.sampled_from(["CNY", "USD"])})
ref = st.fixed_dictionaries({"id": st.sampled_from(["A", "B", "C"]), "name": maybe_null})


def by_id(item: Any, *, max_size: int = 3) -> Any:
    """An array of objects with distinct ids."""
    return st.lists(item, max_size=max_size, unique_by=lambda o: o["id"])


def with_id(ids: list[str], **fields: Any) -> Any:
    return st.fixed_dictionaries({"id": st.sampled_from(ids)}, optional=fields)


tender = st.fixed_dictionaries(
    {},
    optional={
        "status": scalars,
        "value": money,
        "items": by_id(with_id(["1", "2", "3"], description=maybe_null, quantity=scalars)),
        "submissionMethod": st.lists(st.sampled_from(["electronicSubmission", "written"]), max_size=2),
        "numberOfTenderers": scalars,
        "tenderers": by_id(ref),
        "tenderPeriod": st.fixed_dictionaries({}, optional={"startDate": scalars, "endDate": scalars}),
    },
)
party = with_id(
    ["A", "B", "C"],
    name=maybe_null,
    roles=st.lists(st.sampled_from(["buyer", "tenderer", "supplier"]), max_size=3),
    address=st.fixed_dictionaries({}, optional={"locality": scalars, "countryName": scalars}),
)
detail = with_id(["b1", "b2"], status=maybe_null, value=money, tenderers=by_id(ref))
note = st.fixed_dictionaries({"text": scalars}, optional={"lang": scalars})  # an object without id
body = st.fixed_dictionaries(
    {},
    optional={
        "tender": tender,
        "parties": by_id(party),
        "bids": st.fixed_dictionaries({}, optional={"details": by_id(detail, max_size=2)}),
        "notes": st.lists(note, max_size=2),
        "planning": st.fixed_dictionaries(
            {}, optional={"budget": st.fixed_dictionaries({}, optional={"amount": money, "description": scalars})}
        ),
        "language": maybe_null,
        "x_local": st.fixed_dictionaries({}, optional={"flag": scalars, "list": st.lists(scalars, max_size=2)}),
    },
)


@st.composite
def release_lists(draw: st.DrawFn, *, with_notes: bool = True) -> list[dict[str, Any]]:
    bodies = draw(st.lists(body, min_size=1, max_size=6))
    releases = []
    for n, data in enumerate(bodies, 1):
        if not with_notes:
            data.pop("notes", None)
        head = {"ocid": OCID, "id": f"{OCID}-{n}", "date": f"2026-04-{n:02d}T09:00:00+08:00", "tag": ["tender"]}
        releases.append({**head, **data})
    return releases


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(releases=release_lists())
def test_every_way_of_merging_equals_ocdsmerge(releases: list[dict[str, Any]], patched_schema_path: str) -> None:
    before = canonical(releases)
    reference = merger(patched_schema_path).create_compiled_release(copy.deepcopy(releases))
    expected = canonical(reference)
    assert canonical(compile_releases(releases)) == expected
    compilation = Compilation()  # a record kept in memory, as compile_releases does
    for release in releases:
        compilation.add(release)
    assert canonical(compilation.compiled) == expected
    compiled = None  # a record read back from the database at each release, as release_publish does
    for release in releases:
        compiled = jsonb_order(jsoncodec.loads(jsoncodec.dumps(merge_release(compiled, release))))
    assert canonical(compiled) == canonical(jsoncodec.loads(jsoncodec.dumps(reference)))  # Decimal("1") reads as 1
    assert canonical(releases) == before  # nothing given is modified


@settings(max_examples=100, deadline=None)
@given(releases=release_lists(with_notes=False))
def test_records_of_objects_with_ids_stay_plain(releases: list[dict[str, Any]]) -> None:
    compilation = Compilation()
    for release in releases:
        compiled = compilation.add(release)
        body = {k: v for k, v in compiled.items() if k not in {"tag", "id", "date", "ocid"}}
        assert compilation._plain == is_plain(body)


def test_an_object_without_id_makes_the_record_not_plain_and_is_appended_at_each_release(
    patched_schema_path: str,
) -> None:
    releases = [
        {
            "ocid": OCID,
            "id": f"{OCID}-{n}",
            "date": f"2026-04-0{n}T09:00:00+08:00",
            "tag": ["tender"],
            "tender": {"status": "active"},
            "notes": [{"text": "同一条说明"}],
        }
        for n in (1, 2, 3)
    ]
    compilation = Compilation()
    compilation.add(releases[0])
    assert compilation._plain is False
    for release in releases[1:]:
        compiled = compilation.add(release)
    assert compiled["notes"] == [{"text": "同一条说明"}] * 3
    assert compiled == merger(patched_schema_path).create_compiled_release(releases)


def test_equal_numbers_keep_the_latest_releases_writing() -> None:
    first = {
        "ocid": OCID,
        "id": f"{OCID}-1",
        "date": "2026-04-01T09:00:00+08:00",
        "tag": ["tender"],
        "tender": {"value": {"amount": Decimal("1.0"), "currency": "CNY"}, "numberOfTenderers": 1},
    }
    second = {
        **first,
        "id": f"{OCID}-2",
        "date": "2026-04-02T09:00:00+08:00",
        "tender": {"value": {"amount": Decimal("1.00"), "currency": "CNY"}, "numberOfTenderers": True},
    }

    compiled = compile_releases([first, second])
    assert jsoncodec.dumps(compiled["tender"]) == '{"value":{"amount":1.00,"currency":"CNY"},"numberOfTenderers":true}'


def test_a_stored_record_that_is_not_plain_is_merged_in_full(patched_schema_path: str) -> None:
    """A record read back with an object without id: the merge must not take equal parts as they are."""
    releases = [
        {
            "ocid": OCID,
            "id": f"{OCID}-{n}",
            "date": f"2026-04-0{n}T09:00:00+08:00",
            "tag": ["tender"],
            "bids": {"details": [{"id": "b1", "notes": [{"text": "x"}]}]},
        }
        for n in (1, 2)
    ]
    stored = jsoncodec.loads(jsoncodec.dumps(merge_release(None, releases[0])))
    merged = merge_release(stored, releases[1])
    assert merged["bids"]["details"][0]["notes"] == [{"text": "x"}, {"text": "x"}]
    assert merged == merger(patched_schema_path).create_compiled_release(releases)


@pytest.mark.parametrize(
    ("node", "plain"),
    [
        ({"parties": [{"id": "A"}, {"id": "B"}]}, True),
        ({"parties": [{"id": "A"}, {"id": "A"}]}, False),  # two alike
        ({"parties": [{"id": 1}]}, False),  # not a string
        ({"parties": [{"name": "x"}]}, False),  # no id
        ({"tender": {"status": None}}, False),
        ({"tender": {"submissionMethod": [{"x": 1}, {"x": 1}]}}, True),  # whole list: ids do not matter
        ({"x": [1, {"a": None}]}, True),  # not an array of objects: replaced whole
        ({"x": {"y": [{"id": "1", "z": [{"id": "1"}, {"id": "2"}]}]}}, True),
        ({"x": {"y": [{"id": "1", "z": [{"k": "v"}]}]}}, False),
    ],
)
def test_is_plain(node: dict[str, Any], plain: bool) -> None:
    assert is_plain(node) is plain


@pytest.mark.parametrize("where", ["parties", "tender.items"])
def test_objects_with_the_same_id_in_one_release_merge_into_one(where: str, patched_schema_path: str) -> None:
    objects = [{"id": "A", "name": "甲"}, {"id": "B", "name": "乙"}, {"id": "A", "roles": ["buyer"]}]
    body = {"parties": objects} if where == "parties" else {"tender": {"items": objects}}
    release = {"ocid": OCID, "id": f"{OCID}-1", "date": "2026-04-01T09:00:00+08:00", "tag": ["tender"], **body}
    with pytest.warns(UserWarning, match="Multiple objects have the `id` value 'A'"):
        expected = merger(patched_schema_path).create_compiled_release([release])
    compiled = compile_releases([release])
    merged = compiled["parties"] if where == "parties" else compiled["tender"]["items"]
    assert merged == [{"id": "A", "name": "甲", "roles": ["buyer"]}, {"id": "B", "name": "乙"}]
    assert compiled == expected
