"""Orders already at «Возврат» before returns had lines (registered with the earlier «Оформить
возврат» that asked for nothing) get an open return for all their lines, reason «Другое», so the
team lead can inspect, complete or reject them as any other."""

from django.db import migrations


def open_returns(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    OrderReturn = apps.get_model("orders", "OrderReturn")
    ReturnLine = apps.get_model("orders", "ReturnLine")
    ReturnReason = apps.get_model("orders", "ReturnReason")
    reason, _created = ReturnReason.objects.get_or_create(
        code="other", defaults={"name": "Другое", "position": 70}
    )
    waiting = Order.objects.filter(status="return_requested").exclude(returns__status="requested")
    for order in waiting.iterator():
        order_return = OrderReturn.objects.create(
            order=order,
            store_id=order.store_id,
            reason=reason,
            channel="phone",
            method="pickup_point",
            comment="Оформлен до появления возвратов по позициям.",
        )
        ReturnLine.objects.bulk_create(
            ReturnLine(order_return=order_return, order_item=item, quantity=item.quantity)
            for item in order.items.all()
        )


class Migration(migrations.Migration):
    dependencies = [("orders", "0010_return_reasons_and_roles")]

    operations = [migrations.RunPython(open_returns, migrations.RunPython.noop)]
