"""Let every role read the assembly documents (issue «Fulfillment»): the warehouse works from
them, managers and the team lead see them on the order page. A frozen copy, like 0002."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ASSEMBLY_DOCUMENTS = ["fulfillment.view_assemblydocument", "fulfillment.view_assemblyline"]
GRANTED = {
    "Менеджер": ASSEMBLY_DOCUMENTS,
    "Кладовщик": ASSEMBLY_DOCUMENTS,
    "Руководитель отдела продаж": ASSEMBLY_DOCUMENTS,
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
        ("orders", "0005_payments_and_refunds"),
        ("fulfillment", "0001_assembly_documents"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
