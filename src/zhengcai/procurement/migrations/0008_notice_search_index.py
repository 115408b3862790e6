from django.db import migrations

SQLITE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS procurement_notice_fts USING fts5(search_text, content='', tokenize='unicode61')",
    "DROP TABLE IF EXISTS procurement_notice_fts",
)
POSTGRES = (
    "CREATE INDEX IF NOT EXISTS procurement_notice_search_gin ON procurement_notice "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(search_text, '')))",
    "DROP INDEX IF EXISTS procurement_notice_search_gin",
)


def forward(apps, schema_editor):
    sql = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql[0])


def backward(apps, schema_editor):
    sql = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql[1])


class Migration(migrations.Migration):
    """Full-text index of notices: FTS5 on SQLite, a GIN expression index on PostgreSQL (see procurement/search.py)."""

    dependencies = [("procurement", "0007_notices")]
    operations = [migrations.RunPython(forward, backward)]
