"""Let managers and the team lead see what 1C said about an order, and the team lead read the
1C exchange log (issue «Fulfillment», the 1C exchange). A frozen copy, like 0002."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTED = {
    "Менеджер": ["fulfillment.view_onecorder"],
    "Руководитель отдела продаж": [
        "fulfillment.view_exchangelog",
        "fulfillment.view_onecorder",
    ],
}


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
    dependencies = [
        ("orders", "0006_assembly_roles"),
        ("fulfillment", "0002_onec_exchange"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
