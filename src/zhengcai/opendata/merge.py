"""Compile releases into a record's ``compiledRelease`` by the OCDS 1.1 merge rules, one release at a time.

- An object merges field by field, recursively.
- An array of objects merges by ``id`` (identifier merge): an object whose ``id`` matches an earlier
  one merges into it, others are appended.
- Any other value, an array of non-objects, or an array the schema marks ``wholeListMerge`` is
  replaced whole; ``null`` removes the field; fields marked ``omitWhenMerged`` are dropped.
- Empty objects and arrays add nothing. Releases never carry ``null`` (the builder leaves such fields out),
  so the reference implementation's quirks around ``null`` objects do not arise.

The compiled release gets ``tag: ["compiled"]``, ``id: "<ocid>-<date>"`` and the latest ``date``,
as in the reference implementation (ocdsmerge), which the tests compare against on every record.

Why it is fast (``benchmarks/ocds_export.py`` measures it against ocdsmerge):

- The schema's rules are a tree looked up one key at a time: no path tuples are built.
- Copy on write: objects and arrays are rebuilt only along what the release changes; the rest is shared.
- New parts are taken as they are when there is nothing in them to put right (``_fresh``: no ``null``, no
  empty object or array, no omitted field, distinct string ids), which a quick look tells, instead of
  being rebuilt.
- Equal parts are not walked. Each release carries the whole public state (``build``), so most of it
  equals the compiled release. Where a part of the release ``==`` the same part of the compiled release
  (compared in C), merging it would give that part of the release back, so it is taken as it is. That
  holds when the compiled release is *plain*: every array of objects has a string ``id`` on each object,
  no two alike, and no field is ``null`` or omitted. Anything else (an object without ``id`` is appended
  at each release, ``null`` removes a field) makes a record not plain, and it is merged in full, every
  field, as before. Taking the release's part (not the compiled one's) keeps the release's own writing
  of equal numbers (``1.0`` and ``1.00`` are ``==``), as the reference implementation does.

Nothing given is modified. The result shares parts with the compiled release and with the release; treat
all three as values (never change them in place).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from decimal import Decimal
from functools import cache
from typing import Any

from .schema import merge_rules

OMIT = "omitWhenMerged"
WHOLE = "wholeListMerge"
_HEAD_ORDER = ["tag", "id", "date", "ocid"]
_HEAD = frozenset(_HEAD_ORDER)
_SCALARS = frozenset({str, int, Decimal, bool, float})  # JSON values merged by replacement (exact types)


class Rules:
    """A node of the rule tree: each key's (rule, the node below it, whether no field below is omitted),
    and the keys omitted here. A key not in ``children`` has no rule, and nothing below it has."""

    __slots__ = ("children", "omitted")

    def __init__(self) -> None:
        self.children: dict[str, tuple[str | None, Rules, bool]] = {}
        self.omitted: frozenset[str] = frozenset()


_NO_RULES = Rules()
_NO_RULE: tuple[str | None, Rules, bool] = (None, _NO_RULES, True)


@cache
def rule_tree() -> Rules:
    """``schema.merge_rules()`` (path → rule) as a tree of keys."""
    rules = merge_rules()
    omitted = [path for path, rule in rules.items() if rule == OMIT]

    def whole_ok(path: tuple[str, ...]) -> bool:  # no omitted field strictly below ``path``
        return not any(len(p) > len(path) and p[: len(path)] == path for p in omitted)

    root = Rules()
    for path, rule in rules.items():
        node = root
        for depth, key in enumerate(path[:-1], 1):
            if key not in node.children:
                node.children[key] = (None, Rules(), whole_ok(path[:depth]))
            node = node.children[key][1]
        below = node.children[path[-1]][1] if path[-1] in node.children else Rules()
        node.children[path[-1]] = (OMIT if rule == OMIT else WHOLE, below, whole_ok(path))
        if rule == OMIT:
            node.omitted = node.omitted | {path[-1]}
    return root


def is_plain(node: dict[str, Any], rules: Rules | None = None) -> bool:
    """Whether equal parts of a release may be taken as they are when merged into ``node`` (see above)."""
    rules = rule_tree() if rules is None else rules
    if rules.omitted and not rules.omitted.isdisjoint(node):
        return False
    children = rules.children
    for key, value in node.items():
        if type(value) in _SCALARS:
            continue
        rule, below, _ = children.get(key, _NO_RULE)
        if value is None:
            return False
        if rule is WHOLE:
            continue
        if isinstance(value, dict):
            if not is_plain(value, below):
                return False
        elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            seen: set[str] = set()
            for item in value:
                ident = item.get("id")
                if type(ident) is not str or ident in seen or not is_plain(item, below):
                    return False
                seen.add(ident)
    return True


def _fresh(node: dict[str, Any], rules: Rules) -> bool:
    """Whether merging ``node`` into nothing gives ``node`` back and leaves it plain: nothing in it to leave
    out (``null``, empty objects and arrays, omitted fields) and every array of objects merged by ``id``
    has distinct string ids. Exact JSON types only: anything else is left to the merge."""
    if rules.omitted and not rules.omitted.isdisjoint(node):
        return False
    children = rules.children
    for key, value in node.items():
        kind = type(value)
        if kind in _SCALARS:
            continue
        rule, below, _ = children.get(key, _NO_RULE)
        if rule is WHOLE and (kind is dict or kind is list):
            continue
        if kind is dict:
            if not value or not _fresh(value, below):
                return False
        elif kind is list:
            if not value:
                return False
            if type(value[0]) is dict:
                seen: set[str] = set()
                for item in value:
                    if type(item) is not dict:
                        break  # not only objects: replaced whole
                    ident = item.get("id")
                    if type(ident) is not str or ident in seen or not _fresh(item, below):
                        return False
                    seen.add(ident)
        else:
            return False  # null, or a type for the merge to look at
    return True


class _Merge:
    """One merge: ``share`` when the target is plain; ``plain`` turns False if the result is not."""

    __slots__ = ("plain", "share")

    def __init__(self, share: bool) -> None:
        self.share = share
        self.plain = share

    def object(self, target: dict[str, Any] | None, source: dict[str, Any], rules: Rules) -> dict[str, Any]:
        """A new object: ``target`` with ``source`` merged in (both left as they are).

        Every value of ``source`` is first put in place over ``target`` (in C); then the fields that are
        not replaced whole (objects, arrays, ``null``, omitted fields) are put right one by one."""
        if not target:
            target = {}
        result = {**target, **source}
        if rules.omitted:
            for key in rules.omitted.intersection(source):
                _restore(result, target, key)
        share = self.share
        children = rules.children
        for key, value in source.items():
            if type(value) in _SCALARS:
                continue
            rule, below, whole_ok = children.get(key, _NO_RULE)
            if rule is OMIT:
                continue
            kind = type(value)
            if value is None:
                del result[key]
            elif kind is dict or (kind is not list and isinstance(value, dict)):
                if rule is WHOLE:
                    continue
                if not value:
                    _restore(result, target, key)
                    continue
                child = target.get(key)
                if child is None:
                    if _fresh(value, below):
                        continue  # new, and nothing in it to put right: it stays as put
                elif share and whole_ok and child == value:
                    continue  # merging it would give it back: it stays as put
                merged = self.object(child if isinstance(child, dict) else None, value, below)
                if merged:
                    result[key] = merged
                else:  # nothing but empty values: the reference implementation adds no key
                    del result[key]
            elif kind is list or isinstance(value, list):
                if rule is WHOLE:
                    continue
                items = target.get(key)
                if share and whole_ok and items == value:
                    continue
                if not value:
                    _restore(result, target, key)
                    continue
                merged_items = self.array(items if isinstance(items, list) else None, value, below, whole_ok)
                if merged_items is not None:  # None: not an array of objects, replaced whole
                    result[key] = merged_items
        return result

    def array(
        self, target: list[Any] | None, source: list[dict[str, Any]], rules: Rules, whole_ok: bool
    ) -> list[Any] | None:
        """A new array: objects of ``source`` merged by ``id`` into those of ``target``, the others appended;
        ``None`` if ``source`` holds anything but objects (it is then replaced whole)."""
        for item in source:
            if type(item) is not dict and not isinstance(item, dict):
                return None
        result = list(target) if target else []
        if self.share:  # a plain target: every object has a distinct string id
            index = {item["id"]: i for i, item in enumerate(result)}
        else:
            index = {str(item["id"]): i for i, item in enumerate(result) if isinstance(item, dict) and "id" in item}
        share = self.share and whole_ok
        for item in source:
            if "id" not in item:
                self.plain = False  # appended at every release: not plain any more
                result.append(self.object(None, item, rules))
                continue
            ident = item["id"]
            if type(ident) is not str:
                self.plain = False
                ident = str(ident)
            position = index.get(ident)
            if position is None:
                index[ident] = len(result)
                fresh = type(item["id"]) is str and _fresh(item, rules)
                result.append(item if fresh else self.object({"id": item["id"]}, item, rules))
            else:
                existing = result[position]
                if not (share and existing == item):
                    result[position] = self.object(existing, item, rules)
                elif existing is not item:
                    result[position] = item
        return result


def _restore(result: dict[str, Any], target: dict[str, Any], key: str) -> None:
    """Undo putting ``key`` in place: keep the target's value, or no key."""
    if key in target:
        result[key] = target[key]
    else:
        del result[key]


class Compilation:
    """A record's compiled release kept up to date one release at a time (oldest first).

    Starting from a stored compiled release (or nothing), ``add`` merges each new release; whether the
    compiled release is plain (module docstring) is worked out once and then carried along, so a chain of
    ``add`` never walks the whole record again.
    """

    __slots__ = ("_plain", "compiled")

    def __init__(self, compiled: dict[str, Any] | None = None) -> None:
        self.compiled = compiled
        self._plain: bool | None = None if compiled else True

    def add(self, release: dict[str, Any]) -> dict[str, Any]:
        compiled = self.compiled
        if self._plain is None:
            self._plain = is_plain({k: v for k, v in compiled.items() if k not in _HEAD}) if compiled else True
        merge = _Merge(self._plain)
        merged = merge.object(compiled, release, rule_tree())  # tag, id and date are omitted fields
        self._plain = merge.plain
        head = {
            "tag": ["compiled"],
            "id": f"{release['ocid']}-{release['date']}",
            "date": release["date"],
            "ocid": release["ocid"],
        }
        if list(itertools.islice(merged, 4)) == _HEAD_ORDER:
            merged.update(head)  # the head is already first, in this order (as this module writes it)
            self.compiled = merged
        else:  # the first release, or a record whose keys come back in another order (PostgreSQL's jsonb)
            self.compiled = {**head, **{k: v for k, v in merged.items() if k not in _HEAD}}
        return self.compiled


def merge_release(compiled: dict[str, Any] | None, release: dict[str, Any]) -> dict[str, Any]:
    """Return ``compiled`` with ``release`` merged in, neither modified; ``release`` must not be older."""
    return Compilation(compiled).add(release)


def compile_releases(releases: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Compile from scratch, oldest first (stable for equal dates: the given order breaks ties)."""
    compilation = Compilation()
    for release in sorted(releases, key=lambda r: r["date"]):
        compilation.add(release)
    if compilation.compiled is None:
        raise ValueError("no release to compile")
    return compilation.compiled
