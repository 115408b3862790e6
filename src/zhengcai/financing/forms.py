from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhengcai.core.forms import DateInput
from zhengcai.organizations.models import EnterpriseSize, Organization, OrganizationKind

from .models import FinancingProduct


def _money(label: Any, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(label=label, min_value=0, decimal_places=2, max_digits=14, required=required)


def _date(label: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput())


class ProductChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: FinancingProduct) -> str:
        return str(
            _("{bank} — {name}: {low}–{high} a year, up to {share} of the contract, {days} days").format(
                bank=obj.bank.name,
                name=obj.name,
                low=f"{obj.rate_min}%",
                high=f"{obj.rate_max}%",
                share=f"{obj.max_share_percent.normalize():f}%",
                days=obj.term_days,
            )
        )


class ApplyForm(forms.Form):
    # any id is accepted here: the service refuses a contract that is not the supplier's (FIN-OWN-CONTRACT)
    contract = forms.IntegerField(label=_("Contract"), widget=forms.Select)
    amount_yuan = _money(_("Amount to borrow (yuan)"))
    products = ProductChoice(
        label=_("Send to these banks' products"),
        queryset=FinancingProduct.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    consent = forms.ModelMultipleChoiceField(
        label=_("Banks that may see my credit record"),
        queryset=Organization.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Your consent is recorded for each bank and you can revoke it at any time (FIN-CONSENT)."),
    )
    purpose = forms.CharField(label=_("Purpose"), max_length=200, required=False)

    def __init__(self, *args: Any, contracts: list[Any], products: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contract"].widget.choices = [
            (c.pk, f"{c.project.number} · {c.project.title} · ¥{c.amount_fen / 100:,.2f}") for c in contracts
        ]
        self.fields["products"].queryset = products  # type: ignore[attr-defined]
        self.fields["consent"].queryset = Organization.objects.filter(  # type: ignore[attr-defined]
            kind=OrganizationKind.BANK, financing_products__in=products
        ).distinct()


class QuoteForm(forms.Form):
    amount_yuan = _money(_("Amount (yuan)"))
    rate = forms.DecimalField(label=_("Rate (percent a year)"), min_value=0, decimal_places=2, max_digits=5)
    term_days = forms.IntegerField(label=_("Term (days)"), min_value=1)
    valid_until = _date(_("Valid until"))


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ApproveForm(forms.Form):
    agreement_number = forms.CharField(label=_("Agreement number"), max_length=60)
    account_name = forms.CharField(label=_("Repayment account name"), max_length=200)
    account_number = forms.CharField(label=_("Repayment account number"), max_length=40)
    account_bank_name = forms.CharField(label=_("Bank branch of the account"), max_length=200)
    guarantor = forms.ModelChoiceField(
        label=_("Co-guarantor (optional)"),
        queryset=Organization.objects.filter(kind=OrganizationKind.GUARANTOR).order_by("name"),
        required=False,
    )
    guarantee_yuan = _money(_("Guaranteed amount (yuan)"), required=False)


class DisburseForm(forms.Form):
    amount_yuan = _money(_("Amount disbursed (yuan)"))
    disbursed_on = _date(_("Disbursed on"))


class RepaidForm(forms.Form):
    amount_yuan = _money(_("Amount repaid (yuan)"))
    repaid_on = _date(_("Repaid on"))


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Product name"), max_length=120)
    rate_min = forms.DecimalField(label=_("Lowest rate (percent a year)"), decimal_places=2, max_digits=5)
    rate_max = forms.DecimalField(label=_("Highest rate (percent a year)"), decimal_places=2, max_digits=5)
    max_share_percent = forms.DecimalField(
        label=_("Share of the contract amount (percent)"), decimal_places=2, max_digits=5
    )
    term_days = forms.IntegerField(label=_("Longest term (days)"), min_value=1)
    eligible_sizes = forms.MultipleChoiceField(
        label=_("Enterprise sizes served"), choices=EnterpriseSize.choices, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
