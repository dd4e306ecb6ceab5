"""On PostgreSQL, refuse UPDATE and DELETE on journal events at the database level."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION bannette_journal_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the Bannette journal is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER courrier_journalevent_append_only
    BEFORE UPDATE OR DELETE ON courrier_journalevent
    FOR EACH ROW EXECUTE FUNCTION bannette_journal_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS courrier_journalevent_append_only ON courrier_journalevent;
DROP FUNCTION IF EXISTS bannette_journal_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("courrier", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
