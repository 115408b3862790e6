"""Table-driven state machines: each lifecycle declares its allowed transitions in one dict."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

from .errors import ServiceError


class TransitionError(StrEnum):
    NOT_ALLOWED = "core.transition.not_allowed"


def check_transition(
    table: Mapping[str, frozenset[str]], current: str, target: str, *, labels: Any = None, field: str = "status"
) -> None:
    """Raise a bilingual ServiceError unless ``current → target`` is in ``table``."""
    if target in table.get(current, frozenset()):
        return
    label = dict(labels.choices) if labels is not None else {}
    raise ServiceError(
        TransitionError.NOT_ALLOWED,
        field,
        _("This cannot be done while the status is {current} (it would become {target})."),
        current=label.get(current, current),
        target=label.get(target, target),
    )
