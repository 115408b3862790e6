from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhengcai.organizations.models import Region
from zhengcai.policies.models import PolicyDocument, Tag

from .models import Audience, CourseMode

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _when(label: Any, **kwargs: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        **kwargs,
    )


class CourseForm(forms.Form):
    # Lengths are checked by the service (a clear error, never a cut): no max_length here.
    title = forms.CharField(label=_("Title"))
    mode = forms.ChoiceField(label=_("Mode"), choices=CourseMode.choices)
    audience = forms.MultipleChoiceField(
        label=_("Audience"), choices=Audience.choices, widget=forms.CheckboxSelectMultiple
    )
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 5}), required=False)
    documents = forms.ModelMultipleChoiceField(
        label=_("Policy documents"),
        queryset=PolicyDocument.objects.order_by("-issued_on", "-id"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("The documents of the policy library that the course explains."),
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Policy topics"), queryset=Tag.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, regions: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if regions is not None:
            self.fields["region"].queryset = regions  # type: ignore[attr-defined]


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Session title"), required=False, help_text=_("For example: first session"))
    starts_at = _when(_("Starts at"))
    ends_at = _when(_("Ends at"))
    registration_closes_at = _when(_("Registration closes at"))
    venue = forms.CharField(label=_("Venue"), required=False, help_text=_("Offline sessions"))
    room = forms.CharField(label=_("Room"), required=False)
    capacity = forms.IntegerField(
        label=_("Capacity"), required=False, min_value=1, help_text=_("Empty: no limit (online sessions)")
    )
    meeting_url = forms.CharField(label=_("Meeting link"), required=False, help_text=_("Live online sessions"))
    min_attendance_pct = forms.IntegerField(
        label=_("Minimum attendance (%)"),
        required=False,
        min_value=1,
        max_value=100,
        help_text=_("Live sessions: the share of the session a participant must attend (from the meeting export)"),
    )


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Title"))
    file = forms.FileField(label=_("File (MP4, WebM or PDF)"))
    duration_seconds = forms.IntegerField(
        label=_("Length (seconds)"), required=False, min_value=1, help_text=_("Read from MP4 files when empty")
    )
    pages = forms.IntegerField(
        label=_("Pages"), required=False, min_value=1, help_text=_("Read from the PDF when empty")
    )


class PersonForm(forms.Form):
    name = forms.CharField(label=_("Full name"))
    phone = forms.CharField(label=_("Mobile number"))
    job_title = forms.CharField(label=_("Job title"), required=False)
    waitlist_ok = forms.BooleanField(
        label=_("If the session is full, put this person on the waiting list"), required=False
    )


class BulkForm(forms.Form):
    file = forms.FileField(label=_("Filled-in template (.xlsx)"))
    waitlist_ok = forms.BooleanField(label=_("Put those beyond the places left on the waiting list"), required=False)


class CheckinForm(forms.Form):
    code = forms.CharField(
        label=_("Scanned code"),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "inputmode": "text"}),
    )


class AttendanceForm(forms.Form):
    file = forms.FileField(label=_("Attendance export (CSV or Excel)"))


class CancelSessionForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
