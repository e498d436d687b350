"""Create the staff groups with their permissions.

The data is a copy of orders.roles.ROLE_PERMISSIONS as it was when this migration was written:
a migration must not change when the code does. A later change of a role is a new migration;
tests/orders/test_roles.py fails until one exists.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "Менеджер": [
        "catalog.view_store",
        "catalog.view_warehouse",
        "catalog.view_product",
        "catalog.view_stocklevel",
        "contacts.view_contact",
        "contacts.add_contact",
        "contacts.change_contact",
        "contacts.view_company",
        "contacts.add_company",
        "contacts.change_company",
        "deals.view_deal",
        "deals.add_deal",
        "deals.change_deal",
        "deals.view_dealitem",
        "deals.add_dealitem",
        "deals.change_dealitem",
        "deals.delete_dealitem",
        "deals.view_dealtransition",
        "deals.view_refusalreason",
        "deals.take_into_work_deal",
        "deals.place_order_deal",
        "deals.lose_deal",
        "orders.view_order",
        "orders.change_order",
        "orders.view_orderitem",
        "orders.add_orderitem",
        "orders.change_orderitem",
        "orders.delete_orderitem",
        "orders.view_ordertransition",
        "orders.send_payment_link_order",
        "orders.confirm_order",
        "orders.start_assembly_order",
        "orders.hand_to_delivery_order",
        "orders.ready_for_pickup_order",
        "orders.arrive_at_pickup_point_order",
        "orders.issue_order",
        "orders.fail_delivery_order",
        "orders.request_return_order",
        "orders.cancel_order",
    ],
    "Кладовщик": [
        "catalog.view_store",
        "catalog.view_warehouse",
        "catalog.view_product",
        "catalog.view_stocklevel",
        "catalog.change_stocklevel",
        "contacts.view_contact",
        "orders.view_order",
        "orders.view_orderitem",
        "orders.view_ordertransition",
        "orders.start_assembly_order",
        "orders.finish_assembly_order",
        "orders.hand_to_delivery_order",
        "orders.ready_for_pickup_order",
        "orders.issue_order",
        "orders.receive_back_order",
    ],
    "Руководитель отдела продаж": [
        "catalog.view_store",
        "catalog.view_warehouse",
        "catalog.view_product",
        "catalog.view_stocklevel",
        "contacts.view_contact",
        "contacts.add_contact",
        "contacts.change_contact",
        "contacts.view_company",
        "contacts.add_company",
        "contacts.change_company",
        "deals.view_deal",
        "deals.add_deal",
        "deals.change_deal",
        "deals.view_dealitem",
        "deals.add_dealitem",
        "deals.change_dealitem",
        "deals.delete_dealitem",
        "deals.view_dealtransition",
        "deals.view_refusalreason",
        "deals.take_into_work_deal",
        "deals.place_order_deal",
        "deals.lose_deal",
        "orders.view_order",
        "orders.change_order",
        "orders.view_orderitem",
        "orders.add_orderitem",
        "orders.change_orderitem",
        "orders.delete_orderitem",
        "orders.view_ordertransition",
        "catalog.access_all_stores",
        "catalog.change_product",
        "catalog.change_stocklevel",
        "deals.add_refusalreason",
        "deals.change_refusalreason",
        "automation.view_heartbeat",
        "accounts.view_user",
        "orders.send_payment_link_order",
        "orders.confirm_order",
        "orders.mark_paid_order",
        "orders.start_assembly_order",
        "orders.finish_assembly_order",
        "orders.hand_to_delivery_order",
        "orders.ready_for_pickup_order",
        "orders.arrive_at_pickup_point_order",
        "orders.issue_order",
        "orders.fail_delivery_order",
        "orders.receive_back_order",
        "orders.request_return_order",
        "orders.complete_return_order",
        "orders.reject_return_order",
        "orders.cancel_order",
        "orders.cancel_paid_order",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = set()
        for name in names:
            app_label, codename = name.split(".")
            wanted.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0001_initial"),
        ("deals", "0002_default_refusal_reasons"),
        ("catalog", "0001_initial"),
        ("contacts", "0001_initial"),
        ("automation", "0001_initial"),
        ("accounts", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
