"""The refusal reasons a store starts with; the team lead edits the list in admin."""

from django.db import migrations

# Data, not UI text: these rows are what managers pick from, in the store's language.
REASONS = [
    ("changed_mind", "Передумал"),
    ("found_cheaper", "Нашёл дешевле"),
    ("no_answer", "Не дозвонились"),
    ("out_of_stock", "Нет в наличии"),
    ("long_delivery", "Долгая доставка"),
    ("expensive_delivery", "Дорогая доставка"),
    ("not_paid", "Не оплатил"),
    ("duplicate", "Дубль заказа"),
    ("not_picked_up", "Не забрал заказ"),
    ("other", "Другое"),
]


def create_reasons(apps, schema_editor):
    RefusalReason = apps.get_model("deals", "RefusalReason")
    for position, (code, name) in enumerate(REASONS, start=1):
        RefusalReason.objects.get_or_create(
            code=code, defaults={"name": name, "position": position * 10}
        )


class Migration(migrations.Migration):
    dependencies = [("deals", "0001_initial")]

    operations = [migrations.RunPython(create_reasons, migrations.RunPython.noop)]
