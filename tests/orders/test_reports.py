"""The team lead reports (orders.reports) and their admin page with CSV exports."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.models import Store
from deals.choices import PaymentMethod
from deals.models import Deal
from orders.models import Order
from orders.reports import build_reports
from orders.returns_models import OrderReturn
from orders.roles import WAREHOUSE

from ..factories import (
    DealFactory,
    OrderFactory,
    PaymentFactory,
    RefusalReasonFactory,
    ReturnReasonFactory,
    UserFactory,
    open_return,
)

MARCH_1, MARCH_31 = datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)
PERIOD = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
#: Session, user and permissions, the store list, and the four reports: two to four aggregates each.
MAX_QUERIES = 17


def march(day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, tzinfo=timezone.get_current_timezone())


def order(store, status, total, created, **kwargs) -> Order:
    made = OrderFactory(store=store, status=status, created_at=created, **kwargs)
    Order.objects.filter(pk=made.pk).update(total=Decimal(total))
    made.refresh_from_db()
    return made


def registered_return(made: Order, *, reason, created, status="requested", refund="0"):
    order_return = open_return(made, reason=reason)
    OrderReturn.objects.filter(pk=order_return.pk).update(
        created_at=created,
        status=status,
        refund_total=Decimal(refund),
        refund_online=Decimal(refund),
    )
    return order_return


@pytest.fixture
def march_data(store_a, store_b):
    """Store A in March: 2 new orders (100 + 250,50), one cancelled (300, «Передумал»), one
    issued and paid in cash (1000), one paid online (500) with a YooKassa payment; one lost deal
    («Дорого»), one lost deal without a reason; returns: one awaiting inspection (2 units, wrong
    size), one completed (1 unit, defect, 500 refunded). Outside March or in store B: noise."""
    changed_mind = RefusalReasonFactory(code="changed_mind", name="Передумал")
    expensive = RefusalReasonFactory(code="expensive", name="Дорого")
    wrong_size = ReturnReasonFactory(code="wrong_size", name="Не подошёл размер или цвет")
    defect = ReturnReasonFactory(code="defect", name="Брак")

    order(store_a, Order.Status.NEW, "100.00", march(2))
    order(store_a, Order.Status.NEW, "250.50", march(31, 23))
    order(store_a, Order.Status.CANCELLED, "300.00", march(5), cancel_reason=changed_mind)
    cash = order(
        store_a,
        Order.Status.ISSUED,
        "1000.00",
        march(6),
        payment_method=PaymentMethod.CASH_ON_DELIVERY,
        paid_at=march(9),
        items=2,
    )
    online = order(store_a, Order.Status.PAID, "500.00", march(7), paid_at=march(7), items=1)
    PaymentFactory(order=online, amount=Decimal("500.00"), status="succeeded", paid_at=march(7))
    DealFactory(store=store_a, stage=Deal.Stage.LOST, lost_reason=expensive, created_at=march(8))
    DealFactory(store=store_a, stage=Deal.Stage.LOST, created_at=march(8))
    registered_return(cash, reason=wrong_size, created=march(10))
    registered_return(online, reason=defect, created=march(11), status="completed", refund="500.00")

    # Noise: February in store A, March in store B.
    order(store_a, Order.Status.NEW, "7777.00", march(1) - datetime.timedelta(hours=13))
    order(store_b, Order.Status.CANCELLED, "999.00", march(3), cancel_reason=changed_mind)
    DealFactory(store=store_b, stage=Deal.Stage.LOST, lost_reason=expensive, created_at=march(3))


def figures(stores) -> dict[str, list[list]]:
    return {report.key: report.rows for report in build_reports(stores, MARCH_1, MARCH_31)}


def test_the_figures_of_a_store_in_a_period(store_a, march_data):
    rows = figures(Store.objects.filter(pk=store_a.pk))

    assert rows["orders"] == [
        ["Новый", 2, Decimal("350.50")],
        ["Оплачен", 1, Decimal("500.00")],
        ["Выдан", 1, Decimal("1000.00")],
        ["Отменён", 1, Decimal("300.00")],
        ["Итого", 5, Decimal("2150.50")],
    ]
    assert rows["returns"] == [
        ["Статус", "Ожидает проверки", 1, 2, Decimal("0.00")],
        ["Статус", "Оформлен", 1, 1, Decimal("500.00")],
        ["Причина", "Брак", 1, 1, Decimal("500.00")],
        ["Причина", "Не подошёл размер или цвет", 1, 2, Decimal("0.00")],
    ]
    assert rows["refusals"] == [
        ["Отменённые заказы", "Передумал", 1],
        ["Потерянные сделки", "Дорого", 1],
        ["Потерянные сделки", "Причина не указана", 1],
    ]
    assert rows["payments"] == [
        ["Оплаченные заказы по способу", "Наличными при получении", 1, Decimal("1000.00")],
        ["Оплаченные заказы по способу", "Онлайн по ссылке", 1, Decimal("500.00")],
        ["Онлайн-платежи по провайдеру", "YooKassa", 1, Decimal("500.00")],
    ]


def test_all_stores_add_up_and_the_store_filter_narrows_them(store_a, store_b, march_data):
    everything = figures(Store.objects.all())
    only_b = figures(Store.objects.filter(pk=store_b.pk))

    assert everything["orders"][-1] == ["Итого", 6, Decimal("3149.50")]
    assert everything["refusals"][0] == ["Отменённые заказы", "Передумал", 2]
    assert only_b["orders"] == [["Отменён", 1, Decimal("999.00")], ["Итого", 1, Decimal("999.00")]]
    assert only_b["returns"] == []
    assert only_b["payments"] == []


# --- the page and its CSV exports -----------------------------------------------------------


def page(client, user, **params):
    client.force_login(user)
    return client.get(reverse("admin:orders_reports"), {**PERIOD, **params})


def csv_export(client, user, key, **params):
    client.force_login(user)
    return client.get(reverse("admin:orders_reports_csv", args=[key]), {**PERIOD, **params})


def csv_lines(response) -> list[str]:
    return response.content.decode("utf-8").splitlines()


def test_the_team_lead_sees_every_store_and_may_pick_one(client, team_lead, store_b, march_data):
    everything = page(client, team_lead)
    only_b = page(client, team_lead, store=store_b.pk)

    # Money with grouped thousands (a non-breaking space in Russian) and kopecks.
    assert "<td>Итого</td><td>6</td><td>3\xa0149,50</td>" in everything.content.decode()
    assert "<td>Итого</td><td>1</td><td>999,00</td>" in only_b.content.decode()


def test_a_manager_sees_only_the_figures_of_their_stores(client, manager, store_b, march_data):
    own = page(client, manager).content.decode()
    other = page(client, manager, store=store_b.pk)

    assert "<td>Итого</td><td>5</td><td>2\xa0150,50</td>" in own
    assert "Спорт-Профи" not in own  # not even offered in the store list
    assert "999,00" not in other.content.decode()
    assert csv_export(client, manager, "orders", store=store_b.pk).status_code == 404


def test_a_manager_csv_has_their_stores_figures_only(client, manager, march_data):
    lines = csv_lines(csv_export(client, manager, "refusals"))

    assert lines == [
        "\ufeffЧто;Причина;Количество",
        "Отменённые заказы;Передумал;1",
        "Потерянные сделки;Дорого;1",
        "Потерянные сделки;Причина не указана;1",
    ]


def test_the_csv_is_a_semicolon_file_excel_opens(client, team_lead, march_data):
    response = csv_export(client, team_lead, "orders")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="orders_2026-03-01_2026-03-31.csv"'
    )
    assert response.content.startswith("\ufeff".encode())
    assert csv_lines(response) == [
        "\ufeffСтатус;Заказы;Сумма, ₽",
        "Новый;2;350,50",
        "Оплачен;1;500,00",
        "Выдан;1;1000,00",
        "Отменён;2;1299,00",
        "Итого;6;3149,50",
    ]


def test_the_page_links_each_table_to_its_csv(client, team_lead, march_data):
    content = page(client, team_lead).content.decode()

    for key in ("orders", "returns", "refusals", "payments"):
        assert reverse("admin:orders_reports_csv", args=[key]) in content
    assert csv_export(client, team_lead, "nonsense").status_code == 404


def report_chart(content: str, key: str) -> str | None:
    """The SVG chart in the page's table `key`, or None if it has none."""
    module = re.search(rf'<div class="module report" id="report-{key}">(.*?)</div>', content, re.S)
    found = re.search(r'<svg class="chart".*?</svg>', module.group(1))
    return found.group(0) if found else None


def chart_figures(svg: str) -> tuple[str, str, list[int]]:
    title = re.search(r'aria-label="([^"]*)"', svg).group(1)
    description = re.search(r"<desc>(.*?)</desc>", svg).group(1)
    return title, description, [int(w) for w in re.findall(r'class="bar" [^>]*width="(\d+)"', svg)]


def test_each_table_has_a_chart_of_what_a_picture_helps_with(
    client, team_lead, store_a, march_data
):
    content = page(client, team_lead, store=store_a.pk).content.decode()

    # Orders by status, without the «Итого» row.
    assert chart_figures(report_chart(content, "orders")) == (
        "Заказы по статусам",
        "Новый — 2; Оплачен — 1; Выдан — 1; Отменён — 1",
        [320, 160, 160, 160],
    )
    assert chart_figures(report_chart(content, "returns")) == (
        "Возвраты по причинам",
        "Брак — 1; Не подошёл размер или цвет — 1",
        [320, 320],
    )
    # Both kinds of refusal side by side per reason; «no reason» last.
    assert chart_figures(report_chart(content, "refusals")) == (
        "Причины отмен и отказов",
        "Дорого — Отменённые заказы: 0, Потерянные сделки: 1; "
        "Передумал — Отменённые заказы: 1, Потерянные сделки: 0; "
        "Причина не указана — Отменённые заказы: 0, Потерянные сделки: 1",
        [0, 320, 320, 0, 0, 320],
    )
    assert chart_figures(report_chart(content, "payments")) == (
        "Оплаченные заказы по способу оплаты, ₽",
        "Наличными при получении — 1\xa0000,00\xa0₽; Онлайн по ссылке — 500,00\xa0₽",
        [320, 160],
    )


def test_a_table_with_nothing_to_draw_has_no_chart(client, team_lead, store_b, march_data):
    content = page(client, team_lead, store=store_b.pk).content.decode()

    assert report_chart(content, "orders") is not None
    assert report_chart(content, "returns") is None
    assert report_chart(content, "payments") is None


def test_the_period_defaults_to_the_last_30_days(client, team_lead, store_a):
    order(store_a, Order.Status.NEW, "123.00", timezone.now() - datetime.timedelta(days=29))
    order(store_a, Order.Status.NEW, "456.00", timezone.now() - datetime.timedelta(days=31))
    client.force_login(team_lead)

    content = client.get(reverse("admin:orders_reports")).content.decode()

    assert "<td>Итого</td><td>1</td><td>123,00</td>" in content


def test_a_user_who_may_not_view_orders_cannot_open_the_reports(client, store_a):
    clerk = UserFactory(username="clerk", stores=[store_a])

    assert page(client, clerk).status_code == 403
    assert csv_export(client, clerk, "orders").status_code == 403


def test_the_index_links_to_the_reports_for_those_who_may_view_orders(client, manager, store_a):
    clerk = UserFactory(username="clerk", stores=[store_a])
    link = reverse("admin:orders_reports")

    client.force_login(manager)
    assert link in client.get(reverse("admin:index")).content.decode()
    client.force_login(clerk)
    assert link not in client.get(reverse("admin:index")).content.decode()


def test_viewing_orders_and_the_reports_permission_is_enough(client, store_a, march_data):
    viewer = UserFactory(username="viewer", stores=[store_a])
    viewer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_order", "view_reports_order"])
    )

    assert "<td>Итого</td><td>5</td><td>2\xa0150,50</td>" in page(client, viewer).content.decode()


def test_the_warehouse_sees_orders_but_not_the_figures(client, store_a):
    clerk = UserFactory(username="sklad", stores=[store_a], groups=[WAREHOUSE])
    client.force_login(clerk)

    assert client.get(reverse("admin:orders_order_changelist")).status_code == 200
    assert client.get(reverse("admin:orders_reports")).status_code == 403
    assert (
        reverse("admin:orders_reports") not in client.get(reverse("admin:index")).content.decode()
    )


# --- constant queries -----------------------------------------------------------------------


def more_march_data(store, copies: int) -> None:
    reason = RefusalReasonFactory(code="other", name="Другое")
    for n in range(copies):
        made = order(store, Order.Status.ISSUED, "10.00", march(12), paid_at=march(12), items=2)
        PaymentFactory(order=made, amount=Decimal("10.00"), status="succeeded", paid_at=march(12))
        registered_return(made, reason=ReturnReasonFactory(code=f"r{n}", name=f"Причина {n}"),
                          created=march(13))  # fmt: skip
        order(store, Order.Status.CANCELLED, "10.00", march(12), cancel_reason=reason)
        DealFactory(store=store, stage=Deal.Stage.LOST, lost_reason=reason, created_at=march(12))


def page_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("admin:orders_reports"), PERIOD).status_code == 200
    return len(queries)


@pytest.mark.parametrize("copies", [1, 12])
def test_the_page_takes_few_queries_whatever_the_data(
    client, team_lead, store_a, march_data, copies, django_assert_max_num_queries
):
    more_march_data(store_a, copies)
    client.force_login(team_lead)

    with django_assert_max_num_queries(MAX_QUERIES):
        client.get(reverse("admin:orders_reports"), PERIOD)


def test_more_data_takes_no_more_queries(client, team_lead, store_a, march_data):
    few = page_queries(client, team_lead)
    more_march_data(store_a, 10)

    assert page_queries(client, team_lead) == few


def test_the_period_is_shown_in_the_date_inputs(client, team_lead, store_a):
    # A browser's date input shows only an ISO value; a localised one leaves it empty.
    client.force_login(team_lead)
    today = timezone.localdate()

    content = client.get(reverse("admin:orders_reports")).content.decode()

    assert f'value="{today.isoformat()}"' in content
