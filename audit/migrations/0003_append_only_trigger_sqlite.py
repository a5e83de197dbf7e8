"""On SQLite (the embedded default) too, the database itself refuses UPDATE and DELETE of audit
rows, alongside the PostgreSQL trigger of 0002."""

from django.db import migrations

TRIGGERS = {
    operation.lower(): f"""
CREATE TRIGGER IF NOT EXISTS audit_auditevent_append_only_{operation.lower()}
BEFORE {operation} ON audit_auditevent
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only: {operation} refused');
END
"""
    for operation in ("UPDATE", "DELETE")
}
CREATE = list(TRIGGERS.values())
DROP = [f"DROP TRIGGER IF EXISTS audit_auditevent_append_only_{name}" for name in TRIGGERS]


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in CREATE:
            schema_editor.execute(statement, params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]
    operations = [migrations.RunPython(install, remove)]
