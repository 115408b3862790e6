"""The vendored OCDS 1.1.5 schema and extensions (``schema/``), the profile built from them and its merge rules.

Nothing here downloads: the standard's schemas and codelists, the five community extensions and our
local extension are files of this package (see ``schema/README.md``). The ``extensions`` URLs that
packages carry are identifiers (DOMAIN.md "OCDS mapping hints": lots, bids, bidOpening,
submissionTerms, partyDetails scale, techniques, plus a documented local extension).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
STANDARD_DIR = SCHEMA_DIR / "standard"
EXTENSIONS_DIR = SCHEMA_DIR / "extensions"
LOCAL_EXTENSION_DIR = SCHEMA_DIR / "local_extension"
STANDARD_TAG = "1__1__5"
OCDS_VERSION = "1.1"
LOCAL_EXTENSION_STATIC_PATH = "opendata/ocds/local_extension/extension.json"

# name → the tag or branch of its canonical extension.json URL (schema/extensions/SOURCES.txt).
# The lots extension is not used: a project is one lot. Order matters: patches apply in this order.
COMMUNITY_EXTENSIONS: dict[str, str] = {
    "ocds_bid_extension": "v1.1.5",
    "ocds_bidOpening_extension": "master",
    "ocds_submissionTerms_extension": "master",
    "ocds_partyDetails_scale_extension": "master",
    "ocds_techniques_extension": "master",
}


def community_extension_url(name: str) -> str:
    return f"https://raw.githubusercontent.com/open-contracting-extensions/{name}/{COMMUNITY_EXTENSIONS[name]}/extension.json"


def local_extension_url(site: str) -> str:
    """Our extension is served with the static files (``static/opendata/ocds/local_extension`` links to it)."""
    return f"{site.rstrip('/')}{settings.STATIC_URL}{LOCAL_EXTENSION_STATIC_PATH}"


def extension_urls(site: str) -> list[str]:
    """The package ``extensions`` array; the local extension comes last (it patches BidOpening)."""
    return [community_extension_url(name) for name in COMMUNITY_EXTENSIONS] + [local_extension_url(site)]


def extension_dirs() -> list[Path]:
    return [EXTENSIONS_DIR / name for name in COMMUNITY_EXTENSIONS] + [LOCAL_EXTENSION_DIR]


def _load(path: Path) -> Any:
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON Merge Patch, as OCDS extensions apply to the release schema (null deletes)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


@cache
def _patched_release_schema() -> dict[str, Any]:
    schema: dict[str, Any] = _load(STANDARD_DIR / "release-schema.json")
    for directory in extension_dirs():
        schema = merge_patch(schema, _load(directory / "release-schema.json"))
    return schema


def patched_release_schema() -> dict[str, Any]:
    """The 1.1.5 release schema with our extensions applied (a fresh copy: callers may change it)."""
    return copy.deepcopy(_patched_release_schema())


def _resolve(node: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/definitions/"):
        return {**definitions[ref.removeprefix("#/definitions/")], **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _types(node: dict[str, Any]) -> list[str]:
    kind = node.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def _rules(
    properties: dict[str, Any], definitions: dict[str, Any], path: tuple[str, ...], out: dict[tuple[str, ...], str]
) -> None:
    for key, raw in properties.items():
        node = _resolve(raw, definitions)
        here = (*path, key)
        types = _types(node)
        if node.get("omitWhenMerged") or node.get("mergeStrategy") == "ocdsOmit":
            out[here] = "omitWhenMerged"
        elif "array" in types and (node.get("wholeListMerge") or node.get("mergeStrategy") == "ocdsVersion"):
            out[here] = "wholeListMerge"
        elif "object" in types and "properties" in node:
            _rules(node["properties"], definitions, here, out)
        elif "array" in types and "items" in node:
            items = _resolve(node["items"], definitions)
            item_types = _types(items)
            if any(t != "object" for t in item_types):
                out[here] = "wholeListMerge"
            elif "object" in item_types and "properties" in items:
                if "id" not in items["properties"]:
                    out[here] = "wholeListMerge"
                else:
                    _rules(items["properties"], definitions, here, out)


@cache
def merge_rules() -> dict[tuple[str, ...], str]:
    """Paths whose merge is not the default: ``omitWhenMerged`` or ``wholeListMerge`` (OCDS 1.1 merging)."""
    schema = _patched_release_schema()
    out: dict[tuple[str, ...], str] = {}
    _rules(schema["properties"], schema["definitions"], (), out)
    return out
