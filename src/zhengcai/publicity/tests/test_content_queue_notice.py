"""An edit that takes an item out of the review queue tells the publicity team, so nobody reviews a stale text."""

from __future__ import annotations

import datetime as dt
from typing import Any

from conftest import AT
from zhengcai.accounts.models import User
from zhengcai.core.models import Notification
from zhengcai.publicity import services
from zhengcai.publicity.models import ContentStatus

from .conftest import make_draft


def test_editing_an_item_in_review_returns_it_to_draft_and_tells_the_reviewers(
    heze: dict[str, Any], city_editor: User, publicity_reviewer: User
) -> None:
    draft = make_draft(city_editor, heze["city_bureau"])
    services.content_submit(content=draft, actor=city_editor, at=AT)
    before = Notification.objects.filter(recipient=publicity_reviewer).count()

    services.content_update(
        content=draft,
        data=services.ContentInput(title=draft.title, summary=draft.summary, body=draft.body + "\n\n补充一段。"),
        actor=city_editor,
        at=AT + dt.timedelta(minutes=5),
    )

    draft.refresh_from_db()
    assert draft.status == ContentStatus.DRAFT
    notes = Notification.objects.filter(recipient=publicity_reviewer).order_by("-id")
    assert notes.count() == before + 1
    assert draft.title in notes.first().subject  # type: ignore[union-attr]


def test_editing_a_draft_tells_nobody(heze: dict[str, Any], city_editor: User, publicity_reviewer: User) -> None:
    draft = make_draft(city_editor, heze["city_bureau"])
    services.content_update(
        content=draft,
        data=services.ContentInput(title=draft.title, summary=draft.summary, body=draft.body + "\n\n补充。"),
        actor=city_editor,
        at=AT + dt.timedelta(minutes=5),
    )
    assert not Notification.objects.filter(recipient=publicity_reviewer).exists()
