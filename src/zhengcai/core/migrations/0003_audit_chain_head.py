from django.db import migrations


def create_head(apps, schema_editor):
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    AuditChainHead.objects.get_or_create(id=1, defaults={"seq": 0, "hash": "0" * 64})


class Migration(migrations.Migration):
    """The chain head exists from the start, so concurrent first appends lock the same row
    and a deleted head is reported by verify_audit."""

    dependencies = [("core", "0002_audit_append_only_triggers")]

    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]
