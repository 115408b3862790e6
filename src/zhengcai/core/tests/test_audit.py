"""The audit log is append-only and hash-chained; tampering in SQL is detected by verify_audit."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from conftest import AT
from zhengcai.core import db_guards
from zhengcai.core.audit import audit_record, compute_hash, verify_chain
from zhengcai.core.models import AppendOnlyError, AuditEvent

pytestmark = pytest.mark.django_db


def _events(n: int = 5) -> list[AuditEvent]:
    return [
        audit_record(
            actor="test", action="thing.change", object_type="t", object_id=str(i), after={"n": i, "名": "值"}, at=AT
        )
        for i in range(n)
    ]


@pytest.fixture(autouse=True)
def _guards() -> None:
    db_guards.install(connection)  # a transactional test before this one may have lifted them


def _drop_guard_triggers() -> None:
    """Play a database superuser who removes the append-only triggers before tampering."""
    db_guards.remove(connection)


def test_chain_links_each_row_to_the_previous() -> None:
    events = _events(3)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert list(verify_chain()) == []
    call_command("verify_audit")


def test_orm_refuses_to_update_or_delete() -> None:
    event = _events(1)[0]
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_database_trigger_refuses_sql_update() -> None:
    _events(2)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE core_auditevent SET action = 'x' WHERE seq = 1")
    assert AuditEvent.objects.get(seq=1).action == "thing.change"


def test_verify_audit_detects_an_edited_row() -> None:
    _events(5)
    _drop_guard_triggers()
    with connection.cursor() as cur:
        cur.execute("UPDATE core_auditevent SET after = %s WHERE seq = 3", ['{"n": 300}'])
    problems = list(verify_chain())
    assert [(p.seq, p.kind) for p in problems] == [(3, "edited")]
    with pytest.raises(CommandError, match="tampered"):
        call_command("verify_audit")


def test_verify_audit_detects_a_deleted_row() -> None:
    _events(5)
    _drop_guard_triggers()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM core_auditevent WHERE seq = 2")
    kinds = {(p.seq, p.kind) for p in verify_chain()}
    assert (2, "missing") in kinds


def test_verify_audit_detects_a_truncated_tail() -> None:
    _events(4)
    _drop_guard_triggers()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM core_auditevent WHERE seq = 4")
    assert [p.kind for p in verify_chain()] == ["head"]


def test_rehashing_without_the_key_is_detected() -> None:
    """Someone who edits a row and recomputes its hash without the out-of-database key is caught."""
    _events(3)
    _drop_guard_triggers()
    event = AuditEvent.objects.get(seq=2)
    event.action = "thing.forged"
    forged = compute_hash(event, event.prev_hash, key="guessed-key")
    with connection.cursor() as cur:
        cur.execute("UPDATE core_auditevent SET action = %s, hash = %s WHERE seq = 2", ["thing.forged", forged])
    assert {(p.seq, p.kind) for p in verify_chain()} >= {(2, "edited"), (3, "edited")}


def test_audit_keeps_before_and_after_and_actor_label(role_users) -> None:
    from zhengcai.core.permissions import Role

    admin = role_users[Role.BUREAU_ADMIN]
    event = audit_record(
        actor=admin, action="x.update", object_type="t", object_id="1", before={"a": 1}, after={"a": 2}, at=AT
    )
    event.refresh_from_db()
    assert (event.actor_id, event.actor_label, event.before, event.after) == (
        admin.pk,
        "bureau_admin",
        {"a": 1},
        {"a": 2},
    )


def test_verify_audit_detects_a_deleted_chain_head() -> None:
    from zhengcai.core.models import AuditChainHead

    _events(2)
    AuditChainHead.objects.all().delete()
    assert [p.kind for p in verify_chain()] == ["head"]
