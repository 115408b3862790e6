"""Forms of the policy library. Text fields carry no max_length: the services refuse over-long input with a
message naming the limit, instead of a browser silently cutting pasted text."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhengcai.accounts.selectors import Scope, regions_in_scope
from zhengcai.core.errors import ServiceError
from zhengcai.core.forms import apply_service_error
from zhengcai.organizations.models import Region

from . import selectors
from .errors import PolicyError
from .models import Category, DocumentStatus, DocumentType, PolicyDocument, PolicyLevel
from .rules import STATUS_TRANSITIONS
from .services import DocumentInput, split_tags


def _date(label: Any, *, required: bool = True) -> forms.DateField:
    # ISO format: a type="date" input shows nothing for a localized value such as 2020/12/18
    return forms.DateField(
        label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class PolicyFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        help_text=_("Words of the title, number, issuer or text, e.g. 中小企业 or 财库〔2020〕46号."),
    )
    level = forms.ChoiceField(label=_("Level"), required=False, choices=[("", _("All levels")), *PolicyLevel.choices])
    doc_type = forms.ChoiceField(
        label=_("Document type"), required=False, choices=[("", _("All types")), *DocumentType.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *DocumentStatus.choices]
    )
    category = forms.ChoiceField(label=_("Policy category"), required=False)
    year = forms.TypedChoiceField(label=_("Year issued"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All categories"))] + [  # type: ignore[attr-defined]
            (c.slug, c.name) for c in selectors.category_list()
        ]
        self.fields["year"].choices = [("", _("Any year"))] + [  # type: ignore[attr-defined]
            (str(y), str(y)) for y in selectors.issue_years()
        ]

    def filters(self, *, tag: str = "") -> selectors.DocumentFilters:
        d = self.cleaned_data if self.is_valid() else {}
        return selectors.DocumentFilters(
            q=d.get("q", "") or "",
            level=d.get("level", "") or "",
            doc_type=d.get("doc_type", "") or "",
            status=d.get("status", "") or "",
            category=d.get("category", "") or "",
            year=d.get("year"),
            tag=tag,
        )


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"))
    number = forms.CharField(
        label=_("Document number"),
        required=False,
        help_text=_("GB/T 9704: 财库〔2020〕46号; a decree: 国务院令第658号. A law may have none."),
    )
    level = forms.ChoiceField(label=_("Level"), choices=PolicyLevel.choices)
    doc_type = forms.ChoiceField(label=_("Document type"), choices=DocumentType.choices)
    issuer = forms.CharField(label=_("Issuing authority"))
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.none(),
        required=False,
        help_text=_("For city and district/county documents only."),
    )
    issued_on = _date(_("Issued on"), required=False)
    effective_on = _date(_("Effective from"), required=False)
    categories = forms.ModelMultipleChoiceField(
        label=_("Categories"), queryset=Category.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separated by commas or 、."))
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    full_text = forms.CharField(label=_("Full text"), widget=forms.Textarea(attrs={"rows": 16}), strip=False)
    source_url = forms.CharField(label=_("Official source (web address)"), required=False)

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_in_scope(scope)  # type: ignore[attr-defined]
        self.fields["categories"].queryset = selectors.category_list()  # type: ignore[attr-defined]
        if not scope.everything:
            self.fields["level"].initial = PolicyLevel.COUNTY

    @staticmethod
    def initial_for(document: PolicyDocument) -> dict[str, Any]:
        return {
            "title": document.title,
            "number": document.number,
            "level": document.level,
            "doc_type": document.doc_type,
            "issuer": document.issuer,
            "region": document.region_id,
            "issued_on": document.issued_on,
            "effective_on": document.effective_on,
            "categories": [c.pk for c in document.categories.all()],
            "tags": "、".join(t.name for t in document.tags.all()),
            "summary": document.summary,
            "full_text": document.full_text,
            "source_url": document.source_url,
        }

    def to_input(self) -> DocumentInput:
        d = self.cleaned_data
        return DocumentInput(
            title=d["title"],
            number=d["number"],
            level=d["level"],
            doc_type=d["doc_type"],
            issuer=d["issuer"],
            region=d["region"],
            issued_on=d["issued_on"],
            effective_on=d["effective_on"],
            categories=list(d["categories"]),
            tags=split_tags(d["tags"]),
            summary=d["summary"],
            full_text=d["full_text"],
            source_url=d["source_url"],
        )


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("New status"),
        choices=[
            (DocumentStatus.AMENDED, DocumentStatus.AMENDED.label),
            (DocumentStatus.REPEALED, DocumentStatus.REPEALED.label),
        ],
    )
    status_changed_on = _date(_("Since"), required=False)
    superseded_by = forms.ModelChoiceField(
        label=_("Amended or replaced by"),
        queryset=PolicyDocument.objects.none(),
        required=False,
        help_text=_("Required when the document is amended."),
    )

    def __init__(self, *args: Any, document: PolicyDocument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = STATUS_TRANSITIONS.get(document.status, frozenset())
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in DocumentStatus.choices if value in allowed
        ]
        self.fields["superseded_by"].queryset = selectors.replacement_choices(document=document)  # type: ignore[attr-defined]


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("File"), help_text=_("PDF, OFD, Word, Excel, WPS, ZIP, PNG or JPEG; at most 50 MB.")
    )
    name = forms.CharField(label=_("Name shown"), required=False, help_text=_("Empty: the file's name."))


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Chinese name"))
    name_en = forms.CharField(label=_("English name"))
    slug = forms.CharField(
        label=_("Slug"), help_text=_("Lower-case Latin letters, digits and hyphens (used in links).")
    )
    sort = forms.IntegerField(label=_("Order"), initial=0)


class ExportForm(forms.Form):
    issued_from = _date(_("Issued from"), required=False)
    issued_until = _date(_("Issued until"), required=False)
    level = forms.ChoiceField(label=_("Level"), required=False, choices=[("", _("All levels")), *PolicyLevel.choices])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: dt.date | None = data.get("issued_from")
        end: dt.date | None = data.get("issued_until")
        if start and end and end < start:
            apply_service_error(
                self,
                ServiceError(
                    PolicyError.EXPORT_RANGE,
                    "issued_until",
                    _("The end of the date range ({end}) is before its start ({start})."),
                    start=start.isoformat(),
                    end=end.isoformat(),
                ),
            )
        return data
