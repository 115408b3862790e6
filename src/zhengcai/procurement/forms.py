from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhengcai.core.forms import DateInput
from zhengcai.organizations.selectors import region_list

from .models import EvaluationMethod, NoticeKind
from .rules import Category, Method


class NoticeFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Notice type"), required=False, choices=[("", _("All types")), *NoticeKind.choices]
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    method = forms.ChoiceField(label=_("Method"), required=False, choices=[("", _("All methods")), *Method.choices])
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All categories")), *Category.choices]
    )
    date_from = forms.DateField(label=_("Published from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Published until"), required=False, widget=DateInput())
    amount_min = forms.DecimalField(
        label=_("Amount from (yuan)"), required=False, min_value=0, decimal_places=2, max_digits=14
    )
    amount_max = forms.DecimalField(
        label=_("Amount up to (yuan)"), required=False, min_value=0, decimal_places=2, max_digits=14
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("All regions"))] + [(r.code, r.name) for r in region_list()]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        if (
            data.get("amount_min") is not None
            and data.get("amount_max") is not None
            and data["amount_min"] > data["amount_max"]
        ):
            self.add_error("amount_max", _("The upper amount is below the lower amount."))
        return data

    def filters(self) -> dict[str, Any]:
        d = self.cleaned_data if self.is_valid() else {}

        def fen(v: Decimal | None) -> int | None:
            return int(v * 100) if v is not None else None

        return {
            "q": d.get("q", ""),
            "kind": d.get("kind", ""),
            "region": d.get("region", ""),
            "method": d.get("method", ""),
            "category": d.get("category", ""),
            "date_from": d.get("date_from"),
            "date_to": d.get("date_to"),
            "amount_min_fen": fen(d.get("amount_min")),
            "amount_max_fen": fen(d.get("amount_max")),
        }


def _money(label: Any, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=required, min_value=Decimal("0.01"), decimal_places=2, max_digits=14
    )


class IntentionForm(forms.Form):
    purchaser: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Purchaser"), queryset=None)
    title = forms.CharField(label=_("Project name"), max_length=200)
    demand_summary = forms.CharField(label=_("Summary of the demand"), widget=forms.Textarea(attrs={"rows": 3}))
    budget_yuan = _money(_("Budget (yuan)"))
    expected_month = forms.DateField(
        label=_("Expected procurement month"),
        widget=forms.DateInput(attrs={"type": "month"}),
        input_formats=["%Y-%m", "%Y-%m-%d"],
    )

    def __init__(self, *args: Any, purchasers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["purchaser"].queryset = purchasers  # type: ignore[attr-defined]


class ProjectForm(forms.Form):
    intention: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Published intention"), queryset=None)
    title = forms.CharField(label=_("Project name"), max_length=200)
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    catalogue_code = forms.CharField(
        label=_("Catalogue code"), max_length=20, help_text=_("政府采购品目分类目录, e.g. A02010104")
    )
    budget_yuan = _money(_("Budget (yuan)"))
    max_price_yuan = _money(_("Maximum price (yuan)"))
    agency: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Procurement agency"), queryset=None, required=False
    )
    sme_reserved = forms.BooleanField(label=_("Reserved for SMEs"), required=False)
    sme_deduction_percent = forms.DecimalField(
        label=_("Price deduction for small and micro enterprises (%)"),
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
    )
    bid_security_yuan = forms.DecimalField(
        label=_("Bid security (yuan)"), required=False, min_value=0, decimal_places=2, max_digits=14
    )
    evaluation_method = forms.ChoiceField(
        label=_("Evaluation method"),
        choices=EvaluationMethod.choices,
        initial=EvaluationMethod.LOWEST_PRICE,
        required=False,  # lowest evaluated price when not chosen
    )
    price_weight_percent = forms.DecimalField(
        label=_("Price weight (%)"),
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
        help_text=_(
            "Comprehensive scoring only: at least 30 of 100 points for goods, 10 for services (87号令 art. 55)."
        ),
    )

    def __init__(self, *args: Any, intentions: Any, agencies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["intention"].queryset = intentions  # type: ignore[attr-defined]
        self.fields["agency"].queryset = agencies  # type: ignore[attr-defined]


class TenderForm(forms.Form):
    docs_from = forms.DateField(label=_("Documents available from"), widget=DateInput())
    docs_until = forms.DateField(label=_("Documents available until"), widget=DateInput())
    deadline = forms.DateTimeField(
        label=_("Bid deadline and opening time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    notice_text = forms.CharField(label=_("Notice text"), widget=forms.Textarea(attrs={"rows": 5}))


class BidForm(forms.Form):
    price_yuan = _money(_("Bid price (yuan)"))
    technical_response = forms.CharField(label=_("Technical response"), widget=forms.Textarea(attrs={"rows": 4}))


class CommitteeDrawForm(forms.Form):
    size = forms.IntegerField(label=_("Number of experts"), min_value=1, max_value=99, initial=5)


class ScoreSheetForm(forms.Form):
    """One score and the reasons per valid bid; the field names match the service's error fields."""

    def __init__(self, *args: Any, rows: list[Any], max_score: Decimal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            self.fields[f"score_{row.line.pk}"] = forms.DecimalField(
                label=_("Score"),
                min_value=0,
                max_value=max_score,
                decimal_places=2,
                max_digits=5,
                initial=row.score,
            )
            self.fields[f"comment_{row.line.pk}"] = forms.CharField(
                label=_("Reasons"), required=False, widget=forms.Textarea(attrs={"rows": 2}), initial=row.comment
            )

    def scores(self) -> dict[int, Decimal | None]:
        return {row.line.pk: self.cleaned_data.get(f"score_{row.line.pk}") for row in self.rows}

    def comments(self) -> dict[int, str]:
        return {row.line.pk: self.cleaned_data.get(f"comment_{row.line.pk}", "") for row in self.rows}

    def pairs(self) -> list[tuple[Any, forms.BoundField, forms.BoundField]]:
        return [(row, self[f"score_{row.line.pk}"], self[f"comment_{row.line.pk}"]) for row in self.rows]


def _date(label: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput())


def _text(label: Any, rows: int = 3, required: bool = True) -> forms.CharField:
    return forms.CharField(label=label, required=required, widget=forms.Textarea(attrs={"rows": rows}))


class TerminateForm(forms.Form):
    reason = _text(_("Reason for the termination (published)"))


class ContractForm(forms.Form):
    signed_on = _date(_("Signed on"))
    payment_days = forms.IntegerField(
        label=_("Payment term after acceptance (days)"),
        min_value=1,
        max_value=365,
        initial=30,
        help_text=_("An SME is paid within 30 days; a contract may agree up to 60 (P-SME-30D)."),
    )
    advance_yuan = forms.DecimalField(
        label=_("Advance payment (yuan)"), required=False, min_value=0, decimal_places=2, max_digits=14
    )


class AcceptanceForm(forms.Form):
    accepted_on = _date(_("Acceptance date"))
    passed = forms.BooleanField(label=_("The delivery passed the acceptance"), required=False)
    note = _text(_("Acceptance note"), required=False)


class PaymentForm(forms.Form):
    amount_yuan = _money(_("Amount (yuan)"))
    paid_on = _date(_("Paid on"))
    is_advance = forms.BooleanField(label=_("Advance payment"), required=False)


class ContractChangeForm(forms.Form):
    changed_on = _date(_("Changed on"))
    rationale = _text(_("Reason for the change"))
    description = _text(_("What changes"))
    amount_after_yuan = _money(_("Contract amount after the change (yuan)"))


class ChallengeAnswerForm(forms.Form):
    challenge = forms.IntegerField(widget=forms.HiddenInput)
    answer = _text(_("Answer"), rows=4)


class ChallengeForm(forms.Form):
    known_on = _date(_("Date you knew of the matter"))
    text = _text(_("Challenge and its grounds"), rows=6)


class ComplaintForm(forms.Form):
    text = _text(_("Complaint and its grounds"), rows=6)


class ComplaintAcceptForm(forms.Form):
    suspend = forms.BooleanField(label=_("Suspend the procurement while the complaint is handled"), required=False)


class ComplaintRejectForm(forms.Form):
    reason = _text(_("Why the complaint is not admissible"))


class ComplaintDecideForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Upheld")), ("no", _("Dismissed"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    affects_result = forms.BooleanField(
        label=_("It affects the result: the result is void and the procurement is run again (94号令 art. 32)"),
        required=False,
    )
    decision = _text(_("Decision and its reasons (published)"), rows=5)
