"""``Idempotency-Key`` on every API write (banks and guarantors retry over unreliable links).

The first successful response is stored with a hash of the request; a retry with the same key and the
same request gets that response again (``Idempotent-Replayed: true``) and writes nothing; the same key
with a different request is refused (409); two concurrent requests with one key: the second is refused
(409) and its writes rolled back. Failed requests store nothing, so a corrected retry may reuse the key.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy as _
from ninja.responses import Status
from pydantic import BaseModel

from zhengcai.core import clock
from zhengcai.core.errors import ConflictError, ServiceError

from .errors import IntegrationError
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY = 200
F = TypeVar("F", bound=Callable[..., Any])


def _jsonable(body: Any) -> Any:
    if isinstance(body, BaseModel):
        return body.model_dump(mode="json")
    return json.loads(json.dumps(body, cls=DjangoJSONEncoder))


def request_digest(request: HttpRequest) -> str:
    h = hashlib.sha256()
    for part in (request.method or "", request.get_full_path(), ""):
        h.update(part.encode() + b"\n")
    h.update(request.body)
    return h.hexdigest()


def idempotent(func: F) -> F:
    """Wrap a django-ninja write operation (returning a body or ``Status(code, body)``)."""

    @functools.wraps(func)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER, "").strip()
        if not key or len(key) > MAX_KEY:
            raise ServiceError(
                IntegrationError.KEY_REQUIRED,
                HEADER,
                _(
                    "Every write needs an Idempotency-Key header: a unique value (e.g. a UUID) of at most 200 characters."
                ),
            )
        owner: Any = getattr(request, "auth", None) or request.user
        digest = request_digest(request)
        try:
            with transaction.atomic():
                stored = IdempotencyKey.objects.select_for_update().filter(owner=owner, key=key).first()
                if stored is not None:
                    if stored.request_sha256 != digest:
                        raise ConflictError(
                            IntegrationError.KEY_REUSED,
                            HEADER,
                            _("This Idempotency-Key was already used for a different request."),
                        )
                    replay = JsonResponse(stored.response_body, status=stored.response_status, safe=False)
                    replay["Idempotent-Replayed"] = "true"
                    return replay
                result = func(request, *args, **kwargs)
                status, body = (result.status_code, result.value) if isinstance(result, Status) else (200, result)
                IdempotencyKey.objects.create(
                    owner=owner,
                    key=key,
                    method=request.method or "",
                    path=request.get_full_path()[:300],
                    request_sha256=digest,
                    response_status=status,
                    response_body=_jsonable(body),
                    created_at=clock.now(),
                )
                return result
        except IntegrityError as exc:
            if "integrations_idempotency" not in str(exc):
                raise  # another table's constraint: not ours to explain
            raise ConflictError(
                IntegrationError.KEY_IN_FLIGHT,
                HEADER,
                _("Another request with this Idempotency-Key is being processed; retry in a moment."),
            ) from exc

    wrapped.zc_idempotent = True  # type: ignore[attr-defined]
    return wrapped  # type: ignore[return-value]
