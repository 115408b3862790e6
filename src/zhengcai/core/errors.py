"""Bilingual errors raised by services and rendered uniformly by views and the API.

Messages are written in English inside gettext_lazy and translated to Simplified Chinese in
the .po files; a ServiceError renders both, so an API client gets ``message_zh`` and
``message_en`` and a form shows the active language first.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils import translation
from django.utils.functional import Promise


class CoreError(StrEnum):
    VALIDATION = "core.validation"
    FORBIDDEN = "core.forbidden"
    NOT_FOUND = "core.not_found"
    CONFLICT = "core.conflict"


class ServiceError(Exception):
    """A rule was broken: ``code`` is stable, ``field`` names the input, the message names the rule."""

    http_status = 400  # what the JSON API answers

    def __init__(self, code: str, field: str | None, message: str | Promise, **params: Any) -> None:
        self.code = str(code)
        self.field = field
        self.message = message
        self.params = params
        super().__init__(f"{self.code} ({field}): {self.message_en}")

    def _render(self, language: str) -> str:
        with translation.override(language):
            text = str(self.message)
            params = {k: str(v) for k, v in self.params.items()}
            return text.format(**params) if params else text

    @property
    def message_zh(self) -> str:
        return self._render("zh-hans")

    @property
    def message_en(self) -> str:
        return self._render("en")

    @property
    def message_local(self) -> str:
        return self._render(translation.get_language() or "zh-hans")

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "field": self.field, "message_zh": self.message_zh, "message_en": self.message_en}


class ByLanguage:
    """A message parameter that exists in both languages (e.g. an explanation stored as text in each):
    rendered in whichever language the message is being rendered in."""

    def __init__(self, zh: str, en: str) -> None:
        self.zh, self.en = zh, en

    def __str__(self) -> str:
        return self.zh if (translation.get_language() or "zh-hans").startswith("zh") else self.en


class ConflictError(ServiceError):
    """The request conflicts with the state (a reused idempotency key, a concurrent request): HTTP 409."""

    http_status = 409


class ServiceErrorGroup(ServiceError):
    """Several field errors found in one pass, so the user can fix them all at once."""

    def __init__(self, errors: list[ServiceError]) -> None:
        if not errors:
            raise ValueError("ServiceErrorGroup needs at least one error")
        self.errors = errors
        first = errors[0]
        super().__init__(first.code, first.field, first.message, **first.params)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = super().as_dict()
        body["errors"] = [e.as_dict() for e in self.errors]
        return body


def raise_if_any(errors: list[ServiceError]) -> None:
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ServiceErrorGroup(errors)


def bilingual(error: ServiceError) -> str:
    """Active language first, the other second, as the platform's error style requires."""
    zh, en = error.message_zh, error.message_en
    lang = translation.get_language() or "zh-hans"
    return f"{en} / {zh}" if lang.startswith("en") else f"{zh} / {en}"
