from __future__ import annotations

from django import forms

from .errors import ServiceError, ServiceErrorGroup, bilingual


def apply_service_error(form: forms.Form, error: ServiceError) -> None:
    """Put a service's bilingual errors on the form fields they name (or on the form)."""
    errors = error.errors if isinstance(error, ServiceErrorGroup) else [error]
    for err in errors:
        field = err.field if err.field in form.fields else None
        form.add_error(field, bilingual(err))


class DateInput(forms.DateInput):
    """``<input type="date">`` always carries an ISO date (the browser shows it in the reader's locale); the
    localized default (2026/11/26 in Chinese) would leave a prefilled field looking empty."""

    input_type = "date"

    def __init__(self, attrs: dict[str, object] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")
