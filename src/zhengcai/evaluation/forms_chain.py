"""Forms of the responsibility chain pages (the services check the rules; the forms only parse)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from zhengcai.core.forms import DateInput
from zhengcai.organizations.models import Organization, Region

from . import catalogue
from .chain import CLOSE_OUTCOMES
from .models import Position, PositionLevel, TaskStatus


def _position_label(p: Position) -> str:
    return f"{p.title}（{p.region.name}）"


class PositionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _position_label(obj)


class PositionForm(forms.Form):
    title = forms.CharField(label=_("Position title"), max_length=120, required=False)
    level = forms.ChoiceField(label=_("level"), choices=PositionLevel.choices)
    region = forms.ModelChoiceField(label=_("region"), queryset=Region.objects.none())
    organization = forms.ModelChoiceField(
        label=_("organization"), queryset=Organization.objects.none(), required=False
    )
    parent = PositionChoice(label=_("reports to"), queryset=Position.objects.none(), required=False)
    active = forms.BooleanField(label=_("active"), required=False, initial=True)

    def __init__(
        self,
        *args: Any,
        regions: QuerySet[Region],
        positions: QuerySet[Position],
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        self.fields["parent"].queryset = positions.filter(active=True)  # type: ignore[attr-defined]
        self.fields["organization"].queryset = Organization.objects.filter(  # type: ignore[attr-defined]
            region__in=regions, kind__in=["government", "finance_bureau", "bureau_department", "budget_unit"]
        ).order_by("region__sort", "kind", "name")
        if editing:
            del self.fields["level"]
            del self.fields["region"]
        else:
            del self.fields["active"]


class AppointForm(forms.Form):
    name = forms.CharField(label=_("Holder's name"), max_length=60, required=False)
    username = forms.CharField(
        label=_("platform account"),
        max_length=150,
        required=False,
        help_text=_("the holder's login name, to let them see and report the position's tasks (optional)"),
    )
    start_on = forms.DateField(label=_("Term starts on"), widget=DateInput())


class EndTermForm(forms.Form):
    end_on = forms.DateField(label=_("Term ends on"), widget=DateInput())


class TaskForm(forms.Form):
    assigned_by = PositionChoice(label=_("assigned by"), queryset=Position.objects.none())
    position = PositionChoice(label=_("responsible position"), queryset=Position.objects.none())
    title = forms.CharField(label=_("task"), max_length=200, required=False)
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    indicator = forms.ChoiceField(label=_("indicator"), required=False)
    target = forms.DecimalField(label=_("target"), max_digits=20, decimal_places=2, required=False)
    due_on = forms.DateField(label=_("due on"), widget=DateInput())

    def __init__(
        self, *args: Any, held: QuerySet[Position], below: QuerySet[Position], subtask: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assigned_by"].queryset = held  # type: ignore[attr-defined]
        self.fields["position"].queryset = below  # type: ignore[attr-defined]
        self.fields["indicator"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (i.code, f"{i.name}（{i.unit_label}）") for i in catalogue.INDICATORS
        ]
        if subtask:
            del self.fields["assigned_by"]


class ProgressForm(forms.Form):
    percent = forms.IntegerField(label=_("progress (%)"))
    value = forms.DecimalField(label=_("value reached"), max_digits=20, decimal_places=2, required=False)
    note = forms.CharField(label=_("report"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("outcome"), choices=[(s.value, s.label) for s in TaskStatus if s in CLOSE_OUTCOMES]
    )
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
