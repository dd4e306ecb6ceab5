"""Journal events carry a mark of origin (an HMAC under BANNETTE_JOURNAL_KEY, kept outside the
database); the events already written when this migration runs are marked by it, trusted as
the chain and the seals vouch for them. Events the chainer refuses are listed apart."""

from django.conf import settings
from django.db import migrations, models

from courrier.chain import event_mac

BATCH = 5000


def mark_existing_events(apps, schema_editor):
    connection = schema_editor.connection
    event_model = apps.get_model("courrier", "JournalEvent")
    key = settings.BANNETTE_JOURNAL_KEY.encode("utf-8")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # the append-only trigger refuses any UPDATE
            cursor.execute("ALTER TABLE courrier_journalevent DISABLE TRIGGER USER")
        last = 0
        while True:
            rows = list(
                event_model.objects.filter(seq__gt=last)
                .order_by("seq")
                .values_list("seq", "hash")[:BATCH]
            )
            if not rows:
                break
            cursor.executemany(
                "UPDATE courrier_journalevent SET mac = %s WHERE seq = %s",
                [(event_mac(key, seq, content_hash), seq) for seq, content_hash in rows],
            )
            last = rows[-1][0]
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE courrier_journalevent ENABLE TRIGGER USER")


class Migration(migrations.Migration):

    dependencies = [
        ('courrier', '0022_journal_links'),
    ]

    operations = [
        migrations.CreateModel(
            name='JournalRefusal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('event_seq', models.PositiveBigIntegerField(unique=True, verbose_name='event')),
                ('refused_at', models.DateTimeField(auto_now_add=True, verbose_name='refused at')),
            ],
            options={
                'verbose_name': 'event refused from the chain',
                'verbose_name_plural': 'events refused from the chain',
                'ordering': ['event_seq'],
                'default_permissions': ('view',),
            },
        ),
        migrations.AddField(
            model_name='journalevent',
            name='mac',
            field=models.CharField(blank=True, db_default='', default='', max_length=64, verbose_name='mark of origin'),
        ),
        migrations.RunPython(mark_existing_events, migrations.RunPython.noop),
    ]
