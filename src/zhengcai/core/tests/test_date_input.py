"""Date fields keep their value visible in the Chinese interface (an <input type=date> needs an ISO date)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import translation

from zhengcai.core.forms import DateInput


class _Form(forms.Form):
    day = forms.DateField(widget=DateInput())


def test_a_prefilled_date_renders_as_iso_in_chinese() -> None:
    with translation.override("zh-hans"):
        html = str(_Form(initial={"day": dt.date(2026, 11, 26)})["day"])
    assert 'type="date"' in html
    assert 'value="2026-11-26"' in html
