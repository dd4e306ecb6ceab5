"""On PostgreSQL, refuse TRUNCATE of the journal's events, seals and head.

Row triggers do not fire on TRUNCATE; a statement trigger does. The test suite, which empties
every table between transactional tests, opts out per connection with the
`bannette.allow_journal_truncate` setting; the documented application role has no TRUNCATE
privilege anyway, so this guards against mistakes and scripts, and the seals against the rest.
"""

from django.db import migrations

TABLES = ("courrier_journalevent", "courrier_journalseal", "courrier_journalhead")
CREATE = """
CREATE OR REPLACE FUNCTION bannette_journal_no_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('bannette.allow_journal_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the Bannette journal cannot be emptied (TRUNCATE % refused)', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}"
    " FOR EACH STATEMENT EXECUTE FUNCTION bannette_journal_no_truncate();\n"
    for table in TABLES
)
DROP = "".join(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};\n" for table in TABLES) + (
    "DROP FUNCTION IF EXISTS bannette_journal_no_truncate();"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("courrier", "0009_mail_incomplete_text_pages")]
    operations = [migrations.RunPython(forwards, backwards)]
