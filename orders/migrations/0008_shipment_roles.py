"""Let every role read the shipments and send a refused one to CDEK again; the team lead edits
the CDEK status mapping (issue «Fulfillment»). A frozen copy, like 0002."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SHIPMENTS = [
    "fulfillment.view_shipment",
    "fulfillment.view_shipmentevent",
    "fulfillment.retry_shipment",
]
GRANTED = {
    "Менеджер": SHIPMENTS,
    "Кладовщик": SHIPMENTS,
    "Руководитель отдела продаж": [
        *SHIPMENTS,
        "fulfillment.view_carrierstatusmapping",
        "fulfillment.change_carrierstatusmapping",
        "fulfillment.add_carrierstatusmapping",
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
        ("orders", "0007_onec_roles"),
        ("fulfillment", "0004_carrier_status_mapping"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
