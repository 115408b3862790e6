from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zhengcai.core.forms import DateInput

from .models import GuaranteeKind

DATE = DateInput()


class VerifyForm(forms.Form):
    payload = forms.CharField(
        label=_("Verification code (from the QR code)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocomplete": "off"}),
        help_text=_("Paste the code printed under the QR code, or the web address the QR code opens."),
    )
    number = forms.CharField(
        label=_("or the guarantee number"),
        required=False,
        max_length=30,
        help_text=_("For example HZBH-2026-000123."),
    )


class IssueForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=GuaranteeKind.choices)
    project = forms.CharField(
        label=_("Project number"),
        max_length=40,
        help_text=_("Bid guarantee: a tender open for bids. Performance guarantee: a project with a signed contract."),
    )
    applicant = forms.CharField(
        label=_("Applicant's unified social credit code"),
        max_length=18,
        help_text=_(
            "The supplier that asked for the guarantee (for a performance guarantee: the contract's supplier)."
        ),
    )
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_(
            "Bid: at most 2 percent of the budget (S-BID-2PCT). Performance: at most 10 percent of the contract amount (S-PERF-10PCT)."
        ),
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)
    valid_until = forms.DateField(label=_("Valid until"), widget=DATE)


class ClaimForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount claimed (yuan)"), min_value=0, max_digits=14, decimal_places=2)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class RevokeForm(forms.Form):
    key = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason for the revocation"), max_length=500)
