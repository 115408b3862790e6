from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    """Integer fen as ¥ with thousands separators and two decimals ("—" when empty)."""
    if fen is None or fen == "":
        return "—"
    return f"¥{Decimal(int(fen)) / Decimal(100):,.2f}"


@register.filter
def wan(fen: int | None) -> str:
    """Integer fen as 万元 with two decimals, as Chinese notices show large amounts."""
    if fen is None or fen == "":
        return "—"
    return f"{Decimal(int(fen)) / Decimal(1_000_000):,.2f}万元"


@register.filter
def can(user: Any, perm: str) -> bool:
    """``{% if user|can:"publicity.edit" %}``: whether the user's roles grant a permission (for links only;
    the views enforce it)."""
    from zhengcai.core.permissions import P, user_has_perm

    return user_has_perm(user, P(perm))
