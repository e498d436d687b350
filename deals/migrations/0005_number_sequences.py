"""On PostgreSQL, deal and assembly numbers come from database sequences, which never hold a
lock until commit (the counter row serialised every order intake). They continue from the
counters' last values."""

from django.db import migrations

#: name → first number when the counter has never been used (deals.numbering).
SEQUENCES = {"deal": 10001, "assembly": 1}


def create_sequences(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    NumberSequence = apps.get_model("deals", "NumberSequence")
    for name, first in SEQUENCES.items():
        row = NumberSequence.objects.filter(name=name).first()
        start = row.last_value + 1 if row else first
        schema_editor.execute(
            f"CREATE SEQUENCE IF NOT EXISTS number_seq_{name} MINVALUE 1 START WITH {int(start)}"
        )


def drop_sequences(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    NumberSequence = apps.get_model("deals", "NumberSequence")
    with schema_editor.connection.cursor() as cursor:
        for name in SEQUENCES:
            cursor.execute(f"SELECT last_value, is_called FROM number_seq_{name}")
            last_value, is_called = cursor.fetchone()
            if is_called:
                NumberSequence.objects.update_or_create(
                    name=name, defaults={"last_value": last_value}
                )
            schema_editor.execute(f"DROP SEQUENCE number_seq_{name}")


class Migration(migrations.Migration):
    dependencies = [("deals", "0004_distribution")]

    operations = [migrations.RunPython(create_sequences, drop_sequences)]
