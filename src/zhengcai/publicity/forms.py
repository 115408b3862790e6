"""Forms of the editorial pages. They parse input only; the rules (lengths, channels, documents, cover,
times) are the services', whose errors land on the fields they name (``apply_service_error``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Channel, ContentKind, ContentStatus
from .selectors import document_choices


class DocumentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        label = str(obj)
        return label if obj.status == "effective" else f"{label} · {obj.get_status_display()}"


class ContentForm(forms.Form):
    """Create (with the kind) or edit (the kind is fixed once created: revisions do not carry it)."""

    kind = forms.ChoiceField(label=_("Type"), choices=ContentKind.choices)
    title = forms.CharField(
        label=_("Title"),
        help_text=_(
            "At most 120 characters. Channels with shorter limits (WeChat 32, Douyin 20) are checked on submission."
        ),
        widget=forms.TextInput(attrs={"size": 60}),
    )
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        help_text=_("At most 300 characters; short-text channels (Weibo, WeChat digest) use it instead of the body."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    body = forms.CharField(
        label=_("Body"),
        help_text=_("Plain text; an empty line starts a new paragraph."),
        widget=forms.Textarea(attrs={"rows": 16}),
    )
    cover = forms.FileField(
        label=_("Cover image"),
        required=False,
        help_text=_(
            "PNG or JPEG, at most 10 MB; 1500×1500 pixels or larger fits every channel's crop. If the form shows an error, choose the file again."
        ),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_cover = forms.BooleanField(label=_("Remove the current cover"), required=False)
    documents = DocumentChoiceField(
        label=_("Policy documents"),
        queryset=document_choices(),
        required=False,
        help_text=_(
            "A policy interpretation links at least one document of the policy library. Hold Ctrl to choose several."
        ),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The open letter to suppliers goes out on every channel."),
    )
    note = forms.CharField(
        label=_("What changed (revision note)"),
        required=False,
        widget=forms.TextInput(attrs={"size": 60}),
    )
    base_revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["documents"].queryset = document_choices()  # type: ignore[attr-defined]
        if editing:
            del self.fields["kind"]
        else:
            del self.fields["remove_cover"]
            self.fields["channels"].initial = [Channel.WEBSITE, Channel.FEED]

    def content_input(self) -> services.ContentInput:
        d = self.cleaned_data
        upload = d.get("cover") or None
        return services.ContentInput(
            title=d["title"],
            summary=d.get("summary", ""),
            body=d["body"],
            document_ids=[doc.pk for doc in d.get("documents") or []],
            channels=list(d.get("channels") or []),
            note=d.get("note", ""),
            cover=upload,
            cover_name=getattr(upload, "name", "") if upload else "",
            remove_cover=bool(d.get("remove_cover")),
        )


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=None
    )


class ApproveForm(forms.Form):
    publish_at = forms.DateTimeField(
        label=_("Publish at"),
        required=False,
        help_text=_("Beijing time. Leave empty to publish as soon as you approve."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"],
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def when(self) -> dt.datetime | None:
        value: dt.datetime | None = self.cleaned_data.get("publish_at")
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class RestoreForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False)


class WorkFilterForm(forms.Form):
    q = forms.CharField(label=_("Words"), required=False)
    kind = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("All types")), *ContentKind.choices])
    region = forms.TypedChoiceField(label=_("Region"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *ContentStatus.choices]
    )

    def __init__(self, *args: Any, regions: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region: Any = self.fields["region"]
        region.choices = [("", _("All regions")), *((r.pk, r.name) for r in regions)]


class PublicFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("All types")), *ContentKind.choices])
    region = forms.TypedChoiceField(label=_("Region"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, regions: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region: Any = self.fields["region"]
        region.choices = [("", _("All regions")), *((r.pk, r.name) for r in regions)]
