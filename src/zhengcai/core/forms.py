from __future__ import annotations

from django import forms

from .errors import ServiceError, ServiceErrorGroup, bilingual


def apply_service_error(form: forms.Form, error: ServiceError) -> None:
    """Put a service's bilingual errors on the form fields they name (or on the form)."""
    errors = error.errors if isinstance(error, ServiceErrorGroup) else [error]
    for err in errors:
        field = err.field if err.field in form.fields else None
        form.add_error(field, bilingual(err))
