"""Samples of the training core's URLs for the permission matrix (core/tests/test_permission_matrix.py).

The courses are made once per test through the services, on today's clock (the matrix runs on the real
time): an open offline course for every audience with a session next week, and an open recorded course whose
viewing window is open now, with a one-page PDF. A learner's pages get a registration of the calling user's
own (made directly: banks and guarantors cannot be registered by anyone, yet every member may open their own
training pages), so every role that holds the permission gets an answer in its scope.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from typing import Any

from django.utils import timezone

from conftest import make_user
from zhengcai.core.permissions import Role

_phones = itertools.count(13700000000)
TINY_PDF = b"%PDF-1.4\n1 0 obj << /Type /Page >> endobj\ntrailer << >>\n%%EOF\n"


def ensure_training(o: dict[str, Any]) -> dict[str, Any]:
    if "training" in o:
        return o["training"]
    from zhengcai.training import services
    from zhengcai.training.models import Audience

    trainer = make_user(Role.BUREAU_REVIEWER, o["city_dept"], username="matrix_core_trainer")
    now = timezone.now()

    def course(mode: str, title: str) -> Any:
        return services.course_create(
            data=services.CourseInput(
                title=title, mode=mode, audience=list(Audience.values), region=o["city"], organizer=o["city_bureau"]
            ),
            actor=trainer,
            at=now,
        )

    offline = course("offline", "矩阵测试现场培训")
    offline_session = services.session_create(
        course=offline,
        data=services.SessionInput(
            starts_at=now + dt.timedelta(days=7),
            ends_at=now + dt.timedelta(days=7, hours=3),
            registration_closes_at=now + dt.timedelta(days=6),
            venue="菏泽市公共资源交易中心",
            capacity=100,
        ),
        actor=trainer,
        at=now,
    )
    services.course_set_status(course=offline, status="open", actor=trainer, at=now)
    recorded = course("recorded", "矩阵测试录播课程")
    recorded_session = services.session_create(
        course=recorded,
        data=services.SessionInput(
            starts_at=now - dt.timedelta(hours=1),
            ends_at=now + dt.timedelta(days=30),
            registration_closes_at=now + dt.timedelta(days=30),
        ),
        actor=trainer,
        at=now,
    )
    stream = io.BytesIO(TINY_PDF)
    material = services.material_upload(
        course=recorded,
        data=services.MaterialInput(title="讲义", filename="slides.pdf", stream=stream),
        actor=trainer,
        at=now,
    )
    services.course_set_status(course=recorded, status="open", actor=trainer, at=now)
    o["training"] = {
        "trainer": trainer,
        "offline": offline,
        "offline_session": offline_session,
        "recorded": recorded,
        "recorded_session": recorded_session,
        "material": material,
        "base": _registration(o, trainer, offline_session),
    }
    return o["training"]


def _registration(o: dict[str, Any], user: Any, session: Any) -> Any:
    """A registration of ``user`` (linked trainee of their organization) for ``session``."""
    from zhengcai.accounts.models import Membership
    from zhengcai.training import checkin
    from zhengcai.training.models import Participant, Registration

    membership = Membership.objects.filter(user=user).select_related("organization").first()
    organization = membership.organization if membership else o["agency"]
    participant, _ = Participant.objects.get_or_create(
        organization=organization,
        user=user,
        defaults={"name": str(user)[:50], "phone": str(next(_phones)), "created_at": timezone.now()},
    )
    existing = Registration.objects.filter(session=session, participant=participant).exclude(status="cancelled")
    if existing.exists():
        return existing.get()
    return Registration.objects.create(
        session=session,
        participant=participant,
        registered_by=user,
        registered_at=timezone.now(),
        status="registered",
        checkin_nonce=checkin.new_nonce(),
        updated_at=timezone.now(),
    )


def _own(o: dict[str, Any], user: Any, kind: str = "offline_session") -> int:
    t = ensure_training(o)
    if user is None:
        return int(t["base"].pk)
    return int(_registration(o, user, t[kind]).pk)


def _unclaimed(o: dict[str, Any], user: Any) -> dict[str, str]:
    """A trainee of the user's organization under the user's mobile number, not yet linked."""
    from zhengcai.accounts.models import Membership
    from zhengcai.training.models import Participant

    if user is None:
        return {"participant": "0"}
    phone = str(next(_phones))
    user.phone = phone
    user.save(update_fields=["phone"])
    membership = Membership.objects.filter(user=user).first()
    if membership is None:
        return {"participant": "0"}
    participant = Participant.objects.create(
        organization=membership.organization, name="待认领", phone=phone, created_at=timezone.now()
    )
    return {"participant": str(participant.pk)}


def _call(method: str, path: str, data: dict[str, Any] | None = None) -> Any:
    from zhengcai.core.tests.test_permission_matrix import Call

    return Call(method, path, data)


def _media(o: dict[str, Any], user: Any) -> str:
    """The slides, for a caller with a place in the recorded course's open window."""
    _own(o, user, "recorded_session")
    return f"/office/training/materials/{_t(o, 'material')}/file"


def _t(o: dict[str, Any], key: str) -> int:
    return int(ensure_training(o)[key].pk)


CORE_URL_SAMPLES: dict[str, Any] = {
    "training:catalogue": lambda o, u: _call("GET", "/training/"),
    "training:course": lambda o, u: _call("GET", f"/training/courses/{_t(o, 'offline')}/"),
    "training:home": lambda o, u: _call("GET", "/office/training/"),
    "training:claim": lambda o, u: _call("POST", "/office/training/claim/", _unclaimed(o, u)),
    "training:my_registration": lambda o, u: _call("GET", f"/office/training/registrations/{_own(o, u)}/"),
    "training:badge": lambda o, u: _call("GET", f"/office/training/registrations/{_own(o, u)}/badge/"),
    "training:reissue": lambda o, u: _call("POST", f"/office/training/registrations/{_own(o, u)}/reissue/"),
    "training:cancel": lambda o, u: _call("POST", f"/office/training/registrations/{_own(o, u)}/cancel/"),
    "training:watch": lambda o, u: _call(
        "GET",
        f"/office/training/registrations/{_own(o, u, 'recorded_session')}/materials/{_t(o, 'material')}/",
    ),
    "training:progress": lambda o, u: _call(
        "POST",
        f"/office/training/registrations/{_own(o, u, 'recorded_session')}/progress/",
        {"material": str(_t(o, "material")), "page": "1"},
    ),
    "training:media": lambda o, u: _call("GET", _media(o, u)),
    "training:sessions": lambda o, u: _call("GET", "/office/training/sessions/"),
    "training:register": lambda o, u: _call("GET", f"/office/training/sessions/{_t(o, 'offline_session')}/register/"),
    "training:template": lambda o, u: _call(
        "GET", f"/office/training/sessions/{_t(o, 'offline_session')}/template.xlsx"
    ),
    "training:staff": lambda o, u: _call("GET", "/office/training/staff/"),
    "training:courses": lambda o, u: _call("GET", "/office/training/courses/"),
    "training:course_create": lambda o, u: _call("GET", "/office/training/courses/new/"),
    "training:course_manage": lambda o, u: _call("GET", f"/office/training/courses/{_t(o, 'offline')}/"),
    "training:course_edit": lambda o, u: _call("GET", f"/office/training/courses/{_t(o, 'offline')}/edit/"),
    "training:session_create": lambda o, u: _call("GET", f"/office/training/courses/{_t(o, 'offline')}/sessions/new/"),
    "training:session_manage": lambda o, u: _call("GET", f"/office/training/sessions/{_t(o, 'offline_session')}/"),
    "training:session_edit": lambda o, u: _call("GET", f"/office/training/sessions/{_t(o, 'offline_session')}/edit/"),
    "training:checkin": lambda o, u: _call("GET", f"/office/training/sessions/{_t(o, 'offline_session')}/checkin/"),
}
