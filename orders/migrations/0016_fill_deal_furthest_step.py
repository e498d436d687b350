"""Deal.furthest_step (deals/0008) for the deals that exist: the step each one reached, read
from its stage log and its orders exactly as the funnel used to at request time.

Six set-based UPDATEs, the furthest step first: each deal is written once, by the first
UPDATE whose step it reached (the later ones skip it with `furthest_step < step`).
"""

from django.db import migrations
from django.db.models import Exists, OuterRef, Q

ISSUED, PAID_OR_CONFIRMED, ORDER_PLACED, IN_PROGRESS = 4, 3, 2, 1
PAID_OR_CONFIRMED_STATUSES = ("paid", "confirmed")
WORKED_STAGES = ("in_progress", "order_placed", "won")


def fill_furthest_step(apps, schema_editor) -> None:
    Deal = apps.get_model("deals", "Deal")
    DealTransition = apps.get_model("deals", "DealTransition")
    Order = apps.get_model("orders", "Order")
    OrderTransition = apps.get_model("orders", "OrderTransition")

    orders = Order.objects.filter(deal=OuterRef("pk"))
    # Furthest first. No OR across tables: each EXISTS is a semi-join PostgreSQL runs as one
    # hash join; an OR of a column and a subquery would test the subquery row by row.
    reached = [
        (ISSUED, Exists(orders.filter(issued_at__isnull=False))),
        (
            PAID_OR_CONFIRMED,
            Exists(
                orders.filter(Q(paid_at__isnull=False) | Q(status__in=PAID_OR_CONFIRMED_STATUSES))
            ),
        ),
        (
            PAID_OR_CONFIRMED,
            Exists(
                OrderTransition.objects.filter(
                    order__deal=OuterRef("pk"), target__in=PAID_OR_CONFIRMED_STATUSES
                )
            ),
        ),
        (ORDER_PLACED, Exists(orders)),
        (IN_PROGRESS, Q(stage__in=WORKED_STAGES)),
        (
            IN_PROGRESS,
            Exists(DealTransition.objects.filter(deal=OuterRef("pk"), target="in_progress")),
        ),
    ]
    for step, condition in reached:
        Deal.objects.filter(condition, furthest_step__lt=step).update(furthest_step=step)


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0008_deal_furthest_step"),
        ("orders", "0015_order_time_marked_index"),
    ]

    operations = [
        # Backwards: nothing to undo, deals/0008 drops the column.
        migrations.RunPython(fill_furthest_step, migrations.RunPython.noop, elidable=True),
    ]
