from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

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
    date_from = forms.DateField(
        label=_("Published from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Published until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
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
    docs_from = forms.DateField(label=_("Documents available from"), widget=forms.DateInput(attrs={"type": "date"}))
    docs_until = forms.DateField(label=_("Documents available until"), widget=forms.DateInput(attrs={"type": "date"}))
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
