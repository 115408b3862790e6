"""Database triggers that refuse UPDATE, DELETE and TRUNCATE on the audit log.

Defence in depth: the ORM already refuses; the triggers stop a careless SQL session too.
Someone with the power to drop triggers can still tamper — that is what verify_audit detects.
"""

from __future__ import annotations

from typing import Any

SQL: dict[str, tuple[list[str], list[str]]] = {
    "sqlite": (
        [
            "CREATE TRIGGER IF NOT EXISTS core_auditevent_no_update BEFORE UPDATE ON core_auditevent "
            "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",
            "CREATE TRIGGER IF NOT EXISTS core_auditevent_no_delete BEFORE DELETE ON core_auditevent "
            "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",
        ],
        [
            "DROP TRIGGER IF EXISTS core_auditevent_no_update;",
            "DROP TRIGGER IF EXISTS core_auditevent_no_delete;",
        ],
    ),
    "postgresql": (
        [
            "CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql;",
            "DROP TRIGGER IF EXISTS core_auditevent_no_update_delete ON core_auditevent;",
            "CREATE TRIGGER core_auditevent_no_update_delete BEFORE UPDATE OR DELETE ON core_auditevent "
            "FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only();",
            "DROP TRIGGER IF EXISTS core_auditevent_no_truncate ON core_auditevent;",
            "CREATE TRIGGER core_auditevent_no_truncate BEFORE TRUNCATE ON core_auditevent "
            "FOR EACH STATEMENT EXECUTE FUNCTION core_auditevent_append_only();",
        ],
        [
            "DROP TRIGGER IF EXISTS core_auditevent_no_truncate ON core_auditevent;",
            "DROP TRIGGER IF EXISTS core_auditevent_no_update_delete ON core_auditevent;",
        ],
    ),
}


def install(connection: Any) -> None:
    statements = SQL.get(connection.vendor, ([], []))[0]
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def remove(connection: Any) -> None:
    """Only for tests that must empty the database between runs, and for a documented reversal."""
    statements = SQL.get(connection.vendor, ([], []))[1]
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
