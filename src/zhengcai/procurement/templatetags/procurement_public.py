"""Public-page pieces read through the procurement selectors."""

from __future__ import annotations

from typing import Any

from django import template

from zhengcai.procurement.selectors import project_challenges

register = template.Library()


@register.simple_tag
def public_challenges(project: Any) -> list[Any]:
    """A project's challenges with their answers and complaints, for its public page (C-CHALLENGE-7WD)."""
    return list(project_challenges(project=project))
