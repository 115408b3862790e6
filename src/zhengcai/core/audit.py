"""Hash-chained, append-only audit log. Every service writes through ``audit_record``."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models.fields.files import FieldFile

from .models import AuditChainHead, AuditEvent

GENESIS = "0" * 64

# Human labels of audit actions, registered by each app in its AppConfig.ready().
ACTION_LABELS: dict[str, Any] = {}


def register_actions(labels: dict[str, Any]) -> None:
    ACTION_LABELS.update(labels)


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def object_type_label(object_type: str) -> str:
    from django.apps import apps

    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, FieldFile):
        return value.name
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"not JSON-serializable for the audit log: {type(value).__name__}")


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default)


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """A JSON-ready copy of a model's concrete fields (foreign keys by id)."""
    names = set(fields) if fields is not None else None
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if names is not None and field.name not in names:
            continue
        data[field.attname] = getattr(instance, field.attname)
    # Round-trip so what is hashed is exactly what the JSON column stores.
    result: dict[str, Any] = json.loads(canonical_json(data))
    return result


def _row_payload(event: AuditEvent) -> str:
    at = event.at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return canonical_json(
        {
            "seq": event.seq,
            "at": at,
            "actor": event.actor_id,
            "actor_label": event.actor_label,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "before": event.before,
            "after": event.after,
        }
    )


def compute_hash(event: AuditEvent, prev_hash: str, key: str | None = None) -> str:
    secret = (key if key is not None else settings.AUDIT_CHAIN_KEY).encode()
    return hmac.new(secret, (prev_hash + _row_payload(event)).encode(), hashlib.sha256).hexdigest()


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: dt.datetime,
) -> AuditEvent:
    """Append one event. Must run inside the caller's transaction so both commit together."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(id=1).first()  # created by migration core 0003
        if head is None:  # an emptied database (e.g. between transactional tests)
            AuditChainHead.objects.get_or_create(id=1)
            head = AuditChainHead.objects.select_for_update().get(id=1)
        user = actor if getattr(actor, "is_authenticated", False) else None
        event = AuditEvent(
            seq=head.seq + 1,
            at=at,
            actor=user,
            actor_label=(user.get_username() if user is not None else str(actor or "system"))[:200],
            action=action,
            object_type=object_type,
            object_id=object_id,
            before=json.loads(canonical_json(before)) if before is not None else None,
            after=json.loads(canonical_json(after)) if after is not None else None,
            prev_hash=head.hash,
        )
        event.hash = compute_hash(event, head.hash)
        event.save()
        head.seq, head.hash = event.seq, event.hash
        head.save(update_fields=["seq", "hash"])
    return event


@dataclass(frozen=True)
class ChainProblem:
    seq: int | None
    kind: str  # "edited", "missing", "head"
    detail: str


def verify_chain(*, key: str | None = None, batch: int = 2000) -> Iterator[ChainProblem]:
    """Recompute the chain; yield every problem found (edited rows, gaps, a truncated tail)."""
    expected_seq = 1
    prev_hash = GENESIS
    rows = AuditEvent.objects.order_by("seq").iterator(chunk_size=batch)
    for event in rows:
        if event.seq != expected_seq:
            yield ChainProblem(expected_seq, "missing", f"rows {expected_seq}..{event.seq - 1} are missing")
            prev_hash = event.prev_hash  # resynchronise to go on checking the rest
        if event.prev_hash != prev_hash:
            yield ChainProblem(event.seq, "edited", "prev_hash does not match the previous row")
        if not hmac.compare_digest(compute_hash(event, event.prev_hash, key), event.hash):
            yield ChainProblem(event.seq, "edited", "content does not match its hash")
        prev_hash = event.hash
        expected_seq = event.seq + 1
    head = AuditChainHead.objects.filter(id=1).first()
    last_seq = expected_seq - 1
    if head is None:
        yield ChainProblem(None, "head", "the chain head row is missing (created by migration core 0003)")
    elif head.seq != last_seq or head.hash != prev_hash:
        yield ChainProblem(head.seq, "head", f"chain head says #{head.seq} but the log ends at #{last_seq}")
