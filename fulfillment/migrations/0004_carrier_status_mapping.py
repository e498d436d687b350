"""The default CDEK status → order transition table; the team lead may edit it afterwards."""

from django.db import migrations

DEFAULT_MAPPING = [
    (
        "ACCEPTED_AT_PICK_UP_POINT",
        "Принят на склад до востребования (ждёт в ПВЗ)",
        "arrive_at_pickup_point",
    ),
    (
        "ENTERED_TO_WAREHOUSE_ON_DEMAND",
        "Поступил на склад до востребования",
        "arrive_at_pickup_point",
    ),
    ("POSTOMAT_POSTED", "Заложен в постамат", "arrive_at_pickup_point"),
    ("DELIVERED", "Вручен", "issue"),
    ("POSTOMAT_RECEIVED", "Изъят из постамата клиентом", "issue"),
    ("NOT_DELIVERED", "Не вручен", "fail_delivery"),
    ("POSTOMAT_SEIZED", "Изъят из постамата курьером", "fail_delivery"),
    ("RETURNED_TO_RECIPIENT_CITY_WAREHOUSE", "Возвращен на склад доставки (неудачная попытка)", ""),
    ("REMOVED", "Удален", ""),
]


def seed(apps, schema_editor):
    Mapping = apps.get_model("fulfillment", "CarrierStatusMapping")
    for code, description, action in DEFAULT_MAPPING:
        Mapping.objects.get_or_create(
            code=code, defaults={"description": description, "action": action}
        )


class Migration(migrations.Migration):
    dependencies = [("fulfillment", "0003_shipments")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
