"""Exact JSON for OCDS money: amounts are ``Decimal`` with two places, written as JSON numbers.

``json`` writes floats through ``float.__repr__`` (``1750000.0``) and cannot write ``Decimal``;
this module writes ``Decimal("1750000.00")`` as ``1750000.00`` and reads numbers with a fraction
back as ``Decimal``. A float anywhere is a bug (STYLE.md: no floats for money) and is refused.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

_string = json.JSONEncoder(ensure_ascii=False).encode


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite number: {value}")
        out.append(format(value, "f"))
    elif isinstance(value, dict):
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            if i:
                out.append(",")
            out.append(_string(str(key)))
            out.append(":")
            _write(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise TypeError(f"cannot write {type(value).__name__} as OCDS JSON (use Decimal for amounts)")


def dumps(value: Any) -> str:
    """Compact JSON text, UTF-8 characters kept, ``Decimal`` written exactly."""
    out: list[str] = []
    _write(value, out)
    return "".join(out)


def loads(text: str | bytes) -> Any:
    """Parse JSON, reading numbers with a fraction or exponent as ``Decimal``."""
    return json.loads(text, parse_float=Decimal)


class DecimalJSONEncoder(json.JSONEncoder):
    """For ``JSONField(encoder=...)``: Django calls ``json.dumps(value, cls=encoder)``."""

    def encode(self, o: Any) -> str:
        return dumps(o)


class DecimalJSONDecoder(json.JSONDecoder):
    """For ``JSONField(decoder=...)``: amounts come back as ``Decimal`` with their two places."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["parse_float"] = Decimal
        super().__init__(*args, **kwargs)
