"""PostgreSQL only: chrono numbers found by their beginning, in any case, without a scan."""

from django.db import migrations

CREATE = """
CREATE INDEX IF NOT EXISTS courrier_mail_chrono_upper_prefix
    ON courrier_mail (UPPER(chrono_number) text_pattern_ops);
"""
DROP = "DROP INDEX IF EXISTS courrier_mail_chrono_upper_prefix;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("indexing", "0003_postgres_full_text"), ("courrier", "0003_alter_attachment_created_by_and_more")]
    operations = [migrations.RunPython(forwards, backwards)]
