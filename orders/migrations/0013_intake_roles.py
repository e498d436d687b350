"""Who may see and configure the distribution of deals and the events sent to the stores'
websites (issue «Intake»). Roles: a frozen copy, like 0002."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONFIGURE_DISTRIBUTION = [
    f"deals.{action}_{model}"
    for model in ("managerprofile", "distributionrule", "storedistributionsettings")
    for action in ("view", "add", "change", "delete")
]
GRANTED = {
    "Менеджер": ["deals.view_dealassignment", "orders.view_storeevent"],
    "Руководитель отдела продаж": [
        "deals.view_dealassignment",
        "orders.view_storeevent",
        "orders.resend_storeevent",
        *CONFIGURE_DISTRIBUTION,
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
    dependencies = [("orders", "0012_store_events"), ("deals", "0005_number_sequences")]

    operations = [migrations.RunPython(grant, revoke)]
