import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from .permissions import P, api_permission
from .selectors import audit_event_list

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    seq: int
    at: dt.datetime
    actor_label: str
    action: str
    object_type: str
    object_id: str
    before: Any
    after: Any
    hash: str
    prev_hash: str


@router.get("/audit/events", response=list[AuditEventOut], summary="Audit log (hash-chained)")
@paginate(PageNumberPagination, page_size=100)
@api_permission(P.AUDIT_VIEW)
def audit_events(request: HttpRequest, action: str = "") -> object:
    from zhengcai.accounts.selectors import user_scope

    if not user_scope(user=request.auth, perm=P.AUDIT_VIEW).everything:  # type: ignore[attr-defined]
        raise PermissionDenied
    return audit_event_list(action=action)
