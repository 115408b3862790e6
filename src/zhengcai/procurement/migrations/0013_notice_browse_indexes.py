from django.db import migrations

INDEXES = {
    # one county's notices of one type, newest first (the portal's usual browse)
    "procurement_notice_region_kind_published": "(region_id, kind, published_at DESC)",
    # one type of notice by one procurement method, newest first
    "procurement_notice_kind_method_published": "(kind, method, published_at DESC)",
}


class Migration(migrations.Migration):
    """Indexes for the notice list's common filter pairs: the page reads its rows in order from one
    index and its count is an index-only scan (benchmarks/portal_load.py). Plain SQL, valid on SQLite
    and PostgreSQL; not declared on the model (like 0008–0009), so the ORM state is unchanged."""

    dependencies = [("procurement", "0012_repayment_account")]
    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON procurement_notice {columns}",
            f"DROP INDEX IF EXISTS {name}",
        )
        for name, columns in INDEXES.items()
    ]
