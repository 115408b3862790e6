from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("User name or password is wrong. Note that both fields may be case-sensitive."),
        "inactive": _("This account is inactive."),
    }


class TokenIssueForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100, help_text=_("Which system will use it."))
    organization: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Organization"), queryset=None)
    days_valid = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=730, initial=365)

    def __init__(self, *args: object, organizations: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]
