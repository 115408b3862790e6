from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhengcai.core.forms import DateInput

from .models import SecurityForm


def _date(label: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput())


class GuaranteeForm(forms.Form):
    reference = forms.CharField(label=_("Letter of guarantee number"), max_length=100)


class TransferForm(forms.Form):
    amount_yuan = forms.DecimalField(
        label=_("Amount transferred (yuan)"), min_value=Decimal("0.01"), decimal_places=2, max_digits=14
    )
    paid_on = _date(_("Transferred on"))
    reference = forms.CharField(label=_("Bank transfer reference"), max_length=100, required=False)


class RefundForm(forms.Form):
    security = forms.IntegerField(widget=forms.HiddenInput)
    refunded_on = _date(_("Refunded / released on"))


class PerformanceForm(forms.Form):
    form = forms.ChoiceField(
        label=_("Form"),
        choices=[
            (SecurityForm.GUARANTEE, SecurityForm.GUARANTEE.label),
            (SecurityForm.TRANSFER, SecurityForm.TRANSFER.label),
        ],
    )
    amount_yuan = forms.DecimalField(
        label=_("Amount (yuan)"), min_value=Decimal("0.01"), decimal_places=2, max_digits=14
    )
    reference = forms.CharField(label=_("Guarantee number or transfer reference"), max_length=100)
    provided_on = _date(_("Provided on"))
