"""The sales funnel (orders.funnel), its SVG chart and its admin page."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from deals.models import Deal, DealTransition, FunnelStep
from deals.services import deal_reach_step
from orders.funnel import Step, build_funnel, funnel_chart
from orders.models import Order, OrderTransition
from orders.roles import WAREHOUSE

from ..factories import DealFactory, OrderFactory, RefusalReasonFactory, UserFactory

MARCH_1, MARCH_31 = datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)
PERIOD = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
#: The request's savepoint and its release, session, user, two permission queries, the
#: notification badge, the store list, and the funnel's three aggregates.
MAX_QUERIES = 11


def march(day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, tzinfo=timezone.get_current_timezone())


def deal(store, stage=Deal.Stage.NEW, *, created=None, taken=False, **kwargs) -> Deal:
    made = DealFactory(store=store, stage=stage, created_at=created or march(10), **kwargs)
    if taken:
        DealTransition.objects.create(
            deal=made, name="take", source="new", target="in_progress", via="admin"
        )
        deal_reach_step(deal=made, step=FunnelStep.IN_PROGRESS)  # as deal_transition does
    return made


def order(store, status, *, created=None, confirmed=False, **kwargs) -> Order:
    made = OrderFactory(store=store, status=status, deal__created_at=created or march(10), **kwargs)
    if confirmed:
        OrderTransition.objects.create(
            order=made, name="confirm", source="new", target="confirmed", via="admin"
        )
        deal_reach_step(deal=made.deal, step=FunnelStep.PAID_OR_CONFIRMED)  # as order_transition
    return made


@pytest.fixture
def march_data(store_a, store_b):
    """Store A, deals created in March: one new untouched, one new taken into work once, one
    lost after work («Дорого»), one lost without a reason; orders: one new, one confirmed then
    cancelled («Передумал»), one paid, one issued. Noise: store B, April, an old deal's order."""
    expensive = RefusalReasonFactory(code="expensive", name="Дорого")
    changed_mind = RefusalReasonFactory(code="changed_mind", name="Передумал")
    deal(store_a)
    deal(store_a, taken=True)
    deal(store_a, Deal.Stage.LOST, taken=True, lost_reason=expensive)
    deal(store_a, Deal.Stage.LOST)
    order(store_a, Order.Status.NEW)
    order(store_a, Order.Status.CANCELLED, confirmed=True, cancel_reason=changed_mind)
    order(store_a, Order.Status.PAID, paid_at=march(11))
    order(store_a, Order.Status.ISSUED, paid_at=march(11), issued_at=march(12))
    # Noise.
    order(store_b, Order.Status.ISSUED, paid_at=march(11), issued_at=march(12))
    deal(store_b, Deal.Stage.LOST, lost_reason=expensive)
    deal(store_a, created=march(31) + datetime.timedelta(days=1))
    order(store_a, Order.Status.CANCELLED, created=march(1) - datetime.timedelta(days=1))


def figures(funnel):
    return [(s.label, s.count, s.of_previous, s.of_first) for s in funnel.steps]


def test_the_steps_of_a_store_in_a_period(store_a, march_data):
    funnel = build_funnel(type(store_a).objects.filter(pk=store_a.pk), MARCH_1, MARCH_31)

    assert figures(funnel) == [
        ("Сделки", 8, None, 100.0),
        ("В работе", 6, 75.0, 75.0),
        ("Заказ оформлен", 4, 66.7, 50.0),
        ("Оплачен или подтверждён", 3, 75.0, 37.5),
        ("Выдан", 1, 33.3, 12.5),
    ]
    assert [(r.what, r.reason, r.count) for r in funnel.lost] == [
        ("Потерянные сделки", "Дорого", 1),
        ("Потерянные сделки", "Причина не указана", 1),
        ("Отменённые заказы", "Передумал", 1),
    ]


def test_all_stores_add_up(store_a, march_data):
    funnel = build_funnel(type(store_a).objects.all(), MARCH_1, MARCH_31)

    assert [s.count for s in funnel.steps] == [10, 7, 5, 4, 2]


def test_an_empty_period_has_no_percentages(store_a):
    funnel = build_funnel(type(store_a).objects.all(), MARCH_1, MARCH_31)

    assert figures(funnel)[1] == ("В работе", 0, None, None)
    assert funnel.lost == []


# --- the chart ------------------------------------------------------------------------------


def test_the_chart_draws_one_proportional_bar_per_step():
    svg = funnel_chart([Step("Сделки", 8, None, 100.0), Step("Выдан", 2, 25.0, 25.0)])

    assert svg.startswith('<svg class="chart funnel-chart"')
    assert svg.count('class="chart-row"') == 2
    assert re.findall(r'<rect [^>]*width="(\d+)"', svg) == ["320", "80"]


def test_the_chart_escapes_its_labels():
    svg = funnel_chart([Step("<script>", 1, None, 100.0)])

    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg


# --- the page -------------------------------------------------------------------------------


def page(client, user, **params):
    client.force_login(user)
    return client.get(reverse("admin:orders_funnel"), {**PERIOD, **params})


def test_the_page_shows_the_table_and_a_bar_per_step(client, team_lead, store_a, march_data):
    content = page(client, team_lead, store=store_a.pk).content.decode()

    assert content.count('class="chart-row"') == 5
    assert (
        'aria-label="Сделки, созданные за период, по самому дальнему достигнутому шагу"' in content
    )
    assert "<td>Оплачен или подтверждён</td><td>3</td>" in content
    assert "<td>75,0%</td>" in content
    assert "<td>Отменённые заказы</td><td>Передумал</td><td>1</td>" in content


def test_a_manager_sees_only_the_deals_of_their_stores(client, manager, store_b, march_data):
    own = page(client, manager).content.decode()
    other = page(client, manager, store=store_b.pk)

    assert "<td>Сделки</td><td>8</td>" in own
    assert "Спорт-Профи" not in own  # not even offered in the store list
    assert other.status_code == 200
    assert 'class="funnel-bar"' not in other.content.decode()
    assert other.context["form"].errors["store"]


def test_a_user_who_may_not_view_orders_cannot_open_the_funnel(client, store_a):
    clerk = UserFactory(username="clerk", stores=[store_a])

    assert page(client, clerk).status_code == 403


def test_viewing_orders_and_the_reports_permission_is_enough(client, store_a, march_data):
    viewer = UserFactory(username="viewer", stores=[store_a])
    viewer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_order", "view_reports_order"])
    )

    assert "<td>Сделки</td><td>8</td>" in page(client, viewer).content.decode()


def test_the_warehouse_sees_orders_but_not_the_figures(client, store_a):
    clerk = UserFactory(username="sklad", stores=[store_a], groups=[WAREHOUSE])
    client.force_login(clerk)

    assert client.get(reverse("admin:orders_order_changelist")).status_code == 200
    assert client.get(reverse("admin:orders_funnel")).status_code == 403
    assert reverse("admin:orders_funnel") not in client.get(reverse("admin:index")).content.decode()


def test_the_index_links_to_the_funnel_for_those_who_may_view_orders(client, manager, store_a):
    link = reverse("admin:orders_funnel")
    clerk = UserFactory(username="clerk", stores=[store_a])

    client.force_login(manager)
    assert link in client.get(reverse("admin:index")).content.decode()
    client.force_login(clerk)
    assert link not in client.get(reverse("admin:index")).content.decode()


# --- constant queries -----------------------------------------------------------------------


def more_march_data(store, copies: int) -> None:
    reason = RefusalReasonFactory(code="other", name="Другое")
    for _n in range(copies):
        deal(store, Deal.Stage.LOST, taken=True, lost_reason=reason)
        order(store, Order.Status.CANCELLED, confirmed=True, cancel_reason=reason)
        order(store, Order.Status.ISSUED, paid_at=march(11), issued_at=march(12))


@pytest.mark.parametrize("copies", [1, 12])
def test_the_page_takes_few_queries_whatever_the_data(
    client, team_lead, store_a, march_data, copies, django_assert_max_num_queries
):
    more_march_data(store_a, copies)
    client.force_login(team_lead)

    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("admin:orders_funnel"), PERIOD)
    assert f"<td>Сделки</td><td>{10 + 3 * copies}</td>" in response.content.decode()
