"""The starting list of return reasons (the team lead edits it), and who may read returns and
record their inspection (issue «Fulfillment»). Roles: a frozen copy, like 0002."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REASONS = [
    ("wrong_size", "Не подошёл размер или цвет"),
    ("defect", "Брак"),
    ("not_as_described", "Не соответствует описанию"),
    ("wrong_item", "Привезли не тот товар"),
    ("damaged_in_transit", "Повреждён при доставке"),
    ("changed_mind", "Передумал"),
    ("other", "Другое"),
]
RETURNS = ["orders.view_orderreturn", "orders.view_returnline", "orders.view_returnreason"]
GRANTED = {
    "Менеджер": RETURNS,
    "Кладовщик": [*RETURNS, "orders.inspect_orderreturn"],
    "Руководитель отдела продаж": [
        *RETURNS,
        "orders.inspect_orderreturn",
        "orders.add_returnreason",
        "orders.change_returnreason",
    ],
}


def add_reasons(apps, schema_editor):
    ReturnReason = apps.get_model("orders", "ReturnReason")
    for position, (code, name) in enumerate(REASONS, start=1):
        ReturnReason.objects.get_or_create(
            code=code, defaults={"name": name, "position": position * 10}
        )


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in GRANTED.items():
        group, _created = Group.objects.get_or_create(name=role)
        for name in names:
            app_label, codename = name.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in GRANTED.items():
        group = Group.objects.filter(name=role).first()
        if group is None:
            continue
        for name in names:
            app_label, codename = name.split(".")
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )


class Migration(migrations.Migration):
    dependencies = [("orders", "0009_returns")]

    operations = [
        migrations.RunPython(add_reasons, migrations.RunPython.noop),
        migrations.RunPython(grant, revoke),
    ]
