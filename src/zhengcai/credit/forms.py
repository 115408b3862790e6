from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhengcai.core.forms import DateInput

from .rules import DEFAULT_RULES, RULE_LABELS, RULE_LIMITS, Kind, Severity


def _date(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, help_text=help_text, widget=DateInput())


class SupplierSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or unified social credit code"), required=False, max_length=100)


class RecordForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    occurred_on = _date(_("Date"))
    expires_on = _date(_("In force until"), required=False, help_text=_("Empty: in force without an end date."))
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    reference = forms.CharField(
        label=_("Reference"),
        required=False,
        max_length=100,
        help_text=_("Penalty document number or project number."),
    )
    authority = forms.CharField(label=_("Issued by"), required=False, max_length=100)


class RevokeForm(forms.Form):
    record = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason for revoking"), max_length=1000)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or JSON file"),
        help_text=_(
            "Columns: credit_code, kind, severity, occurred_on, expires_on, description, reference, authority."
        ),
    )


class PolicyForm(forms.Form):
    effective_from = _date(_("Effective from"))
    serious_months = forms.IntegerField(label=RULE_LABELS["serious_months"])
    major_months = forms.IntegerField(label=RULE_LABELS["major_months"])
    major_max = forms.IntegerField(label=RULE_LABELS["major_max"])
    small_micro_extra_major = forms.IntegerField(label=RULE_LABELS["small_micro_extra_major"])
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args: object, current: dict[str, int] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for key, value in (current or DEFAULT_RULES).items():
            if key in self.fields:
                low, high = RULE_LIMITS[key]
                self.fields[key].initial = value
                self.fields[key].help_text = _("From {low} to {high}.").format(low=low, high=high)

    def rules(self) -> dict[str, int]:
        return {key: self.cleaned_data[key] for key in RULE_LIMITS}
