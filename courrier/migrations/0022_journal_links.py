"""The journal's chain moves to its own table, so that appending an event no longer waits.

Until now each event carried the previous event's hash, and every change in the organisation
queued on the one locked head row until its transaction committed. Now a change writes its
event and a numbering row (JournalPending) without waiting; once committed, the chainer links
the waiting events in one short transaction (courrier.services.chaining.chain_journal). The
existing events get their links here, in their order; the next numbers follow the last one.
"""

import django.db.models.deletion
from django.db import migrations, models

from courrier.chain import GENESIS_HASH, link_hash, number_after

GUARDS = """
CREATE TRIGGER courrier_journallink_append_only
    BEFORE UPDATE OR DELETE ON courrier_journallink
    FOR EACH ROW EXECUTE FUNCTION bannette_journal_append_only();
CREATE TRIGGER courrier_journallink_no_truncate BEFORE TRUNCATE ON courrier_journallink
    FOR EACH STATEMENT EXECUTE FUNCTION bannette_journal_no_truncate();
"""
DROP_GUARDS = """
DROP TRIGGER IF EXISTS courrier_journallink_append_only ON courrier_journallink;
DROP TRIGGER IF EXISTS courrier_journallink_no_truncate ON courrier_journallink;
"""
BATCH = 5000


def link_existing_events(apps, schema_editor):
    event_model = apps.get_model("courrier", "JournalEvent")
    link_model = apps.get_model("courrier", "JournalLink")
    head_model = apps.get_model("courrier", "JournalHead")
    position, previous, links, last_seq = 0, GENESIS_HASH, [], 0
    rows = event_model.objects.order_by("seq").values_list("seq", "hash")
    for seq, content_hash in rows.iterator(chunk_size=BATCH):
        position += 1
        link = link_model(position=position, event_id=seq, prev_hash=previous)
        link.hash = previous = link_hash(position, seq, content_hash, link.prev_hash)
        links.append(link)
        last_seq = seq
        if len(links) == BATCH:
            link_model.objects.bulk_create(links)
            links = []
    link_model.objects.bulk_create(links)
    head_model.objects.update_or_create(pk=1, defaults={"seq": position, "hash": previous})
    if last_seq:
        number_after(schema_editor.connection, last_seq)


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARDS, params=None)


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_GUARDS, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('courrier', '0021_open_mail_by_status'),
    ]

    operations = [
        migrations.CreateModel(
            name='JournalPending',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
            ],
            options={
                'verbose_name': 'event awaiting its link',
                'default_permissions': (),
            },
        ),
        migrations.CreateModel(
            name='JournalLink',
            fields=[
                ('position', models.PositiveBigIntegerField(primary_key=True, serialize=False, verbose_name='position')),
                ('prev_hash', models.CharField(max_length=64, verbose_name='previous hash')),
                ('hash', models.CharField(max_length=64, verbose_name='hash')),
                ('event', models.OneToOneField(db_column='event_seq', db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='link', to='courrier.journalevent', to_field='seq', verbose_name='event')),
            ],
            options={
                'verbose_name': 'journal link',
                'verbose_name_plural': 'journal links',
                'ordering': ['position'],
                'default_permissions': ('view',),
            },
        ),
        migrations.RunPython(guard, unguard),
        migrations.RunPython(link_existing_events, migrations.RunPython.noop),
    ]
