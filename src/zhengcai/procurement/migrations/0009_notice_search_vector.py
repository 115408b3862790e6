from django.db import migrations

FORWARD = [
    "ALTER TABLE procurement_notice ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED",
    "CREATE INDEX IF NOT EXISTS procurement_notice_search_vector_gin ON procurement_notice USING gin (search_vector)",
    "DROP INDEX IF EXISTS procurement_notice_search_gin",
]
BACKWARD = [
    "DROP INDEX IF EXISTS procurement_notice_search_vector_gin",
    "ALTER TABLE procurement_notice DROP COLUMN IF EXISTS search_vector",
    "CREATE INDEX IF NOT EXISTS procurement_notice_search_gin ON procurement_notice "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(search_text, '')))",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    """PostgreSQL: a stored, generated tsvector column with its GIN index, so a search never
    recomputes to_tsvector per row (benchmarks/portal_load.py). Unknown to the ORM model on purpose:
    the database computes it; procurement/search.py queries it."""

    dependencies = [("procurement", "0008_notice_search_index")]
    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
