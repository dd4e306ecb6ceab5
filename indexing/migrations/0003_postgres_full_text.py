"""PostgreSQL only: French configuration with accent folding, and the GIN index."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS unaccent;
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'bannette_fr') THEN
        CREATE TEXT SEARCH CONFIGURATION bannette_fr (COPY = french);
        ALTER TEXT SEARCH CONFIGURATION bannette_fr
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
    END IF;
END $$;
CREATE INDEX IF NOT EXISTS indexing_mailsearchentry_vector_gin
    ON indexing_mailsearchentry USING gin (vector);
"""
DROP = """
DROP INDEX IF EXISTS indexing_mailsearchentry_vector_gin;
DROP TEXT SEARCH CONFIGURATION IF EXISTS bannette_fr;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("indexing", "0002_mail_search_entry")]
    operations = [migrations.RunPython(forwards, backwards)]
