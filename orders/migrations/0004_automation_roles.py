"""Give the roles the permissions of automation: tasks for everyone, time limits, triggers,
templates and escalations for the team lead. A frozen copy, like 0002."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTED = {
    "Менеджер": [
        "automation.add_checklistitem",
        "automation.add_task",
        "automation.change_checklistitem",
        "automation.change_task",
        "automation.delete_checklistitem",
        "automation.view_checklistitem",
        "automation.view_task",
        "automation.view_triggerfiring",
        "contacts.view_message",
        "contacts.view_messagetemplate",
    ],
    "Кладовщик": [
        "automation.add_checklistitem",
        "automation.add_task",
        "automation.change_checklistitem",
        "automation.change_task",
        "automation.delete_checklistitem",
        "automation.view_checklistitem",
        "automation.view_task",
        "automation.view_triggerfiring",
    ],
    "Руководитель отдела продаж": [
        "automation.add_checklistitem",
        "automation.add_stagelimit",
        "automation.add_task",
        "automation.add_trigger",
        "automation.add_triggeraction",
        "automation.change_checklistitem",
        "automation.change_stagelimit",
        "automation.change_task",
        "automation.change_trigger",
        "automation.change_triggeraction",
        "automation.delete_checklistitem",
        "automation.delete_stagelimit",
        "automation.delete_trigger",
        "automation.delete_triggeraction",
        "automation.receive_escalations",
        "automation.view_checklistitem",
        "automation.view_stagelimit",
        "automation.view_task",
        "automation.view_trigger",
        "automation.view_triggeraction",
        "automation.view_triggerfiring",
        "contacts.add_messagetemplate",
        "contacts.change_messagetemplate",
        "contacts.delete_messagetemplate",
        "contacts.view_message",
        "contacts.view_messagetemplate",
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


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0003_stage_deadlines"),
        ("automation", "0002_time_limits_triggers_tasks_notifications"),
        ("contacts", "0002_messaging"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
