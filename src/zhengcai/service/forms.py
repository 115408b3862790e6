"""Forms of the service desk. They parse input only; the rules (lengths, links, files, dates, people) are the
services', whose bilingual errors land on the fields they name (``apply_service_error``). Text fields carry
no ``maxlength``: over-long text is refused with a message, never cut by the browser."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Category
from .services import Upload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the service checks their number, types and sizes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.ofd,.docx,.xlsx,.png,.jpg,.jpeg"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [item for item in items if item]


FILES_HELP = _("Up to 5 files: PDF, OFD, Word (.docx), Excel (.xlsx), PNG or JPEG, at most 10 MB each.")


def uploads(files: list[Any]) -> list[Upload]:
    return [Upload(stream=f, filename=f.name) for f in files]


class RequestForm(forms.Form):
    category = forms.ChoiceField(label=_("Request type"), choices=[("", "—"), *Category.choices])
    subject = forms.CharField(
        label=_("Subject"), help_text=_("At most 120 characters."), widget=forms.TextInput(attrs={"size": 60})
    )
    description = forms.CharField(
        label=_("Description"),
        help_text=_("What happened, since when, what you need. At most 4,000 characters."),
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    tender = forms.CharField(
        label=_("Tender (project number)"),
        required=False,
        help_text=_("For a bid security refund: the project number of a tender your organization took part in."),
        widget=forms.TextInput(attrs={"list": "own-tenders", "autocomplete": "off"}),
    )
    contract = forms.CharField(
        label=_("Contract (project number)"),
        required=False,
        help_text=_("For a payment delay: the project number of one of your organization's contracts."),
        widget=forms.TextInput(attrs={"list": "own-contracts", "autocomplete": "off"}),
    )
    payment_id = forms.TypedChoiceField(label=_("Payment"), required=False, coerce=int, empty_value=None)
    attachments = MultipleFileField(label=_("Files"), help_text=FILES_HELP)

    def __init__(self, *args: Any, payments: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["payment_id"].choices = [("", "—"), *(payments or [])]  # type: ignore[attr-defined]


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Add information"), widget=forms.Textarea(attrs={"rows": 4}))
    attachments = MultipleFileField(label=_("Files"), help_text=FILES_HELP)


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Why the problem remains"), widget=forms.Textarea(attrs={"rows": 3}))


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        coerce=int,
        choices=[(5, _("5 — very satisfied")), (4, "4"), (3, "3"), (2, "2"), (1, _("1 — not satisfied"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), required=False)


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 5}))
    attachments = MultipleFileField(label=_("Files"), help_text=FILES_HELP)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} ({obj.get_username()})"


class ReassignForm(forms.Form):
    handler = PersonChoiceField(label=_("New handler"), queryset=None)
    reason = forms.CharField(label=_("Reason"), widget=forms.TextInput(attrs={"size": 50}))

    def __init__(self, *args: Any, people: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from zhengcai.accounts.models import User

        self.fields["handler"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            pk__in=[p.pk for p in people or []]
        ).order_by("username")


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("Resolution"),
        help_text=_("What was done; the requester reads it, then rates the service or reopens the request."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class FaqForm(forms.Form):
    question = forms.CharField(
        label=_("Question asked"),
        help_text=_("As anyone could ask it: no names of companies, units or people, no project numbers."),
        widget=forms.TextInput(attrs={"size": 70}),
    )
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 6}))


class FaqReviewForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the proposer"),
        required=False,
        help_text=_("Needed to return or withdraw an entry."),
        widget=forms.TextInput(attrs={"size": 60}),
    )


class ChainForm(forms.Form):
    department: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Bureau department"), queryset=None)
    handler = PersonChoiceField(label=_("Handler"), queryset=None)
    section_head = PersonChoiceField(label=_("Section head"), queryset=None)
    director = PersonChoiceField(label=_("Bureau director"), queryset=None)
    valid_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.TextInput(attrs={"size": 50}))

    def __init__(self, *args: Any, departments: Any = None, people: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from zhengcai.accounts.models import User

        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        users = User.objects.filter(pk__in=[p.pk for p in people or []]).order_by("username")
        for name in ("handler", "section_head", "director"):
            self.fields[name].queryset = users  # type: ignore[attr-defined]


class PartnerForm(forms.Form):
    credit_code = forms.CharField(
        label=_("Unified social credit code of the agency or supplier"), widget=forms.TextInput(attrs={"size": 22})
    )
    unit_contact = forms.CharField(label=_("Budget unit's responsible person"))
    unit_phone = forms.CharField(label=_("Phone"), required=False)
    partner_contact = forms.CharField(label=_("Partner's responsible person"))
    partner_phone = forms.CharField(label=_("Phone"), required=False)
    valid_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    note = forms.CharField(label=_("Note"), required=False)


class EndForm(forms.Form):
    valid_to = forms.DateField(
        label=_("Ends on (from this day on it no longer applies)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class LevelForm(forms.Form):
    category = forms.ChoiceField(label=_("Request type"), choices=Category.choices)
    first_response_wd = forms.IntegerField(label=_("First response (working days)"))
    resolution_wd = forms.IntegerField(label=_("Resolution (working days)"))
    reopen_days = forms.IntegerField(label=_("Reopening window (days)"))
    escalation_step_wd = forms.IntegerField(label=_("Escalation step (working days)"))
    effective_from = forms.DateField(
        label=_("Effective from"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(label=_("Note (the decision or notice)"), required=False)


class UnitFilterForm(forms.Form):
    q = forms.CharField(label=_("Budget unit"), required=False)
    region = forms.TypedChoiceField(label=_("Region"), required=False, coerce=int, empty_value=None)
    unpaired = forms.BooleanField(label=_("Without a department pairing"), required=False)

    def __init__(self, *args: Any, regions: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("Any")), *[(r.pk, r.name) for r in regions]]  # type: ignore[attr-defined]


class DeskFilterForm(forms.Form):
    q = forms.CharField(label=_("Number, subject or organization"), required=False)
    category = forms.ChoiceField(label=_("Request type"), required=False, choices=[("", _("Any")), *Category.choices])
    region = forms.TypedChoiceField(label=_("Region"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, regions: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("Any")), *[(r.pk, r.name) for r in regions]]  # type: ignore[attr-defined]


class FiguresFilterForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    category = forms.ChoiceField(label=_("Request type"), required=False, choices=[("", _("Any")), *Category.choices])

    def __init__(self, *args: Any, regions: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("Any")), *[(r.code, r.name) for r in regions]]  # type: ignore[attr-defined]


class FaqFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    category = forms.ChoiceField(label=_("Request type"), required=False, choices=[("", _("Any")), *Category.choices])


class SolvedFilterForm(forms.Form):
    category = forms.ChoiceField(label=_("Request type"), required=False, choices=[("", _("Any")), *Category.choices])
    region = forms.TypedChoiceField(label=_("Region"), required=False, coerce=int, empty_value=None)
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, regions: Any = (), years: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("Any")), *[(r.pk, r.name) for r in regions]]  # type: ignore[attr-defined]
        self.fields["year"].choices = [("", _("Any")), *[(y, str(y)) for y in years]]  # type: ignore[attr-defined]
