"""«Время обработки» (orders.processing and its admin page): working hours per order and per
stage on known data, percentiles, frozen deals, who sees what, and a constant number of
queries."""

from __future__ import annotations

import datetime
import re
import statistics
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from catalog.models import Store
from contacts.models import Message
from deals.models import Deal, DealTransition
from orders.models import Order, OrderTransition
from orders.processing import Spread, build_processing, frozen_deals, percentile
from orders.roles import MANAGER, WAREHOUSE

from ..factories import DealFactory, MessageFactory, OrderFactory, UserFactory

pytestmark = pytest.mark.django_db

MARCH_1, MARCH_31 = datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)
PERIOD = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
#: Wednesday 25 March 2026, noon: the frozen deals are counted back from here.
NOW = datetime.datetime(2026, 3, 25, 12, 0, tzinfo=datetime.UTC)
#: The request's savepoint and its release, session, user, two permission queries, the
#: notification badge, the store list of the form, and the page's own: the stores, orders and
#: their status log, deals and their stage log, two content types, frozen deals and their counts.
MAX_QUERIES = 17


def march(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment of March 2026, Moscow time. 16–20 and 23–27 March are plain working weeks."""
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=timezone.get_current_timezone())


def issued_order(store, manager, path, **kwargs) -> Order:
    """An issued order created at the first moment of `path` and moved along the rest of it:
    (moment, source, target) status changes, one of them the issue."""
    created = path[0]
    made = OrderFactory(
        store=store,
        status=Order.Status.ISSUED,
        responsible=manager,
        created_at=created,
        issued_at=next(when for when, _source, target in path[1:] if target == "issued"),
        deal__stage=Deal.Stage.WON,
        deal__created_at=datetime.datetime(2026, 2, 1, tzinfo=datetime.UTC),
        **kwargs,
    )
    for when, source, target in path[1:]:
        OrderTransition.objects.create(
            order=made, name=target, source=source, target=target, via="admin", created_at=when
        )
    return made


def taken_deal(store, manager, created, changes) -> Deal:
    made = DealFactory(store=store, responsible=manager, created_at=created)
    for when, source, target in changes:
        DealTransition.objects.create(
            deal=made, name=target, source=source, target=target, via="admin", created_at=when
        )
    return made


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def vera(store_a):
    """A second manager of store A."""
    return UserFactory(
        username="vera", first_name="Вера", last_name="Смирнова", groups=[MANAGER], stores=[store_a]
    )


@pytest.fixture
def store_b_late(store_b):
    """Store B works 10:00–22:00 every day, holidays included."""
    Store.objects.filter(pk=store_b.pk).update(
        work_start=datetime.time(10), work_end=datetime.time(22), work_days="0123456",
        observe_holidays=False,
    )  # fmt: skip
    store_b.refresh_from_db()
    return store_b


@pytest.fixture
def march_data(store_a, store_b_late, manager, vera, other_manager):
    """Store A (9:00–18:00, Monday to Friday), orders issued in March:

    - anna's O1, 11 h: Mon 16 10:00 new, 11:00 confirmed, 14:00 assembling (a history event at
      14:05), 16:00 assembled, Tue 17 10:00 awaiting pickup, 12:00 issued;
    - anna's O2, 2 h over the weekend: Fri 20 17:00 new, 17:30 confirmed, Mon 23 9:00
      assembling, 9:30 assembled, 9:45 awaiting pickup, 10:00 issued;
    - vera's O3, 18 h: Tue 17 9:00 new, 9:30 awaiting payment, 13:30 paid, Wed 18 9:00
      assembling, 11:00 assembled, 12:00 handed to delivery, Thu 19 9:00 issued (then a return
      requested at 12:00, not on the way to the issue).

    Deals created in March, store A: anna's taken after 0.5 h, order placed 6 h later; one
    unassigned at Mon 16 17:00, taken by vera Tue 17 10:00 (2 h), lost at 11:00 (1 h); one new
    untouched. Store B (10:00–22:00 every day): boris's order Sat 21 20:00 → Sun 22 12:00, 4 h.
    Noise: a store A order issued in April."""
    orders = {
        "o1": issued_order(store_a, manager, [
            march(16, 10),
            (march(16, 11), "new", "confirmed"),
            (march(16, 14), "confirmed", "assembling"),
            (march(16, 14, 5), "assembling", "assembling"),
            (march(16, 16), "assembling", "assembled"),
            (march(17, 10), "assembled", "awaiting_pickup"),
            (march(17, 12), "awaiting_pickup", "issued"),
        ]),
        "o2": issued_order(store_a, manager, [
            march(20, 17),
            (march(20, 17, 30), "new", "confirmed"),
            (march(23, 9), "confirmed", "assembling"),
            (march(23, 9, 30), "assembling", "assembled"),
            (march(23, 9, 45), "assembled", "awaiting_pickup"),
            (march(23, 10), "awaiting_pickup", "issued"),
        ]),
        "o3": issued_order(store_a, vera, [
            march(17, 9),
            (march(17, 9, 30), "new", "awaiting_payment"),
            (march(17, 13, 30), "awaiting_payment", "paid"),
            (march(18, 9), "paid", "assembling"),
            (march(18, 11), "assembling", "assembled"),
            (march(18, 12), "assembled", "handed_to_delivery"),
            (march(19, 9), "handed_to_delivery", "issued"),
            (march(19, 12), "issued", "return_requested"),
        ]),
        "b": issued_order(store_b_late, other_manager, [
            march(21, 20),
            (march(22, 12), "awaiting_pickup", "issued"),
        ]),
        "april": issued_order(store_a, manager, [
            march(31, 10),
            (datetime.datetime(2026, 4, 1, 10, tzinfo=datetime.UTC), "new", "issued"),
        ]),
    }  # fmt: skip
    taken_deal(store_a, manager, march(16, 9), [
        (march(16, 9, 30), "new", "in_progress"),
        (march(16, 15, 30), "in_progress", "order_placed"),
    ])  # fmt: skip
    taken_deal(store_a, None, march(16, 17), [
        (march(17, 10), "new", "in_progress"),
        (march(17, 11), "in_progress", "lost"),
    ])  # fmt: skip
    # The lost deal is vera's now: she took it.
    Deal.objects.filter(created_at=march(16, 17)).update(responsible=vera)
    taken_deal(store_a, manager, march(18, 9), [])
    return orders


def processing(stores, **kwargs):
    return build_processing(
        stores, MARCH_1, MARCH_31, frozen_days=kwargs.get("frozen_days", 3), now=NOW
    )


def spread(count, p50, p90) -> Spread:
    return Spread(count, Decimal(p50), Decimal(p90))


# --- percentiles ----------------------------------------------------------------------------


def test_percentiles_interpolate_between_the_closest_ranks():
    assert percentile([4, 1, 3, 2], 0.5) == 2.5
    assert percentile([1, 2, 3, 4], 0.9) == pytest.approx(3.7)
    assert percentile([120, 660, 1080], 0.9) == pytest.approx(996)
    assert percentile([7], 0.5) == percentile([7], 0.9) == 7
    with pytest.raises(ValueError, match="no values"):
        percentile([], 0.5)


def test_percentiles_agree_with_statistics_inclusive_method():
    values = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]
    deciles = statistics.quantiles(values, n=10, method="inclusive")

    assert percentile(values, 0.5) == pytest.approx(deciles[4])
    assert percentile(values, 0.9) == pytest.approx(deciles[8])


def test_a_spread_is_in_working_hours_with_one_decimal_halves_up():
    # 75 minutes is 1.25 h: 1.3 (a float's round() gives 1.2).
    assert Spread.of([75]) == spread(1, "1.3", "1.3")
    assert Spread.of([30, 180]) == spread(2, "1.8", "2.8")
    assert Spread.of([]) == Spread(0, None, None)


# --- per order ------------------------------------------------------------------------------


def test_creation_to_issue_in_working_hours(store_a, march_data, manager, vera):
    times = processing(Store.objects.filter(pk=store_a.pk)).orders

    assert [(t.number, t.hours) for t in times.orders] == [
        (march_data["o3"].number, Decimal("18.0")),
        (march_data["o1"].number, Decimal("11.0")),
        (march_data["o2"].number, Decimal("2.0")),  # Friday evening to Monday morning
    ]
    # [120, 660, 1080] minutes: the median is the middle one, p90 at 1.8 of the ranks.
    assert times.overall == spread(3, "11.0", "16.6")
    assert [(g.label, g.spread) for g in times.by_manager] == sorted([
        (manager.get_full_name(), spread(2, "6.5", "10.1")),
        ("Вера Смирнова", spread(1, "18.0", "18.0")),
    ])  # fmt: skip
    assert [(g.label, g.spread) for g in times.by_store] == [
        ("Уютный дом", spread(3, "11.0", "16.6"))
    ]


def test_each_store_counts_its_own_hours(store_a, store_b, march_data, other_manager):
    times = processing(Store.objects.all()).orders

    # Store B works weekends till 22:00: Saturday 20:00 to Sunday 12:00 is 2 h + 2 h.
    assert [(g.label, g.spread) for g in times.by_store] == [
        ("Спорт-Профи", spread(1, "4.0", "4.0")),
        ("Уютный дом", spread(3, "11.0", "16.6")),
    ]
    # [120, 240, 660, 1080]: the median between the middle two, p90 at 2.7 of the ranks.
    assert times.overall == spread(4, "7.5", "15.9")
    assert (other_manager.get_full_name(), spread(1, "4.0", "4.0")) in [
        (g.label, g.spread) for g in times.by_manager
    ]


# --- per stage ------------------------------------------------------------------------------


def test_time_in_each_order_status_on_the_way_to_the_issue(store_a, march_data, vera):
    stages = processing(Store.objects.filter(pk=store_a.pk)).order_stages

    assert stages.stages == [
        "Новый", "Ожидает оплаты", "Подтверждён", "Оплачен", "Собирается", "Собран",
        "Передан в доставку", "Ожидает получения",
    ]  # fmt: skip
    assert stages.overall.cells == [
        spread(3, "0.5", "0.9"),  # 60, 30, 30 minutes
        spread(1, "4.0", "4.0"),
        spread(2, "1.8", "2.8"),  # 180, 30
        spread(1, "4.5", "4.5"),  # Tuesday 13:30 to closing
        spread(3, "2.0", "2.0"),  # 120, 30, 120: the history event splits nothing
        spread(3, "1.0", "2.6"),  # 180 over the night, 15, 60
        spread(1, "6.0", "6.0"),
        spread(2, "1.1", "1.8"),  # 120, 15
    ]
    vera_row = next(row for row in stages.by_manager if row.label == "Вера Смирнова")
    assert [cell.count for cell in vera_row.cells] == [1, 1, 0, 1, 1, 1, 1, 0]
    assert [row.label for row in stages.by_store] == ["Уютный дом"]


def test_time_in_the_deal_stages(store_a, march_data, manager, vera):
    stages = processing(Store.objects.filter(pk=store_a.pk)).deal_stages

    assert stages.stages == ["Новая", "В работе"]
    # New: 30 and 120 minutes (the evening and the next morning); in progress: 360 and 60.
    assert stages.overall.cells == [spread(2, "1.3", "1.9"), spread(2, "3.5", "5.5")]
    assert [(row.label, row.cells) for row in stages.by_manager] == sorted([
        (manager.get_full_name(), [spread(1, "0.5", "0.5"), spread(1, "6.0", "6.0")]),
        ("Вера Смирнова", [spread(1, "2.0", "2.0"), spread(1, "1.0", "1.0")]),
    ])  # fmt: skip


def test_an_empty_period_has_no_figures(store_a):
    result = processing(Store.objects.filter(pk=store_a.pk))

    assert result.orders.overall == Spread(0, None, None)
    assert result.orders.orders == []
    assert result.order_stages.stages == []
    assert result.deal_stages.stages == []


# --- frozen deals ---------------------------------------------------------------------------


def deal_changed(store, stage, changed, **kwargs) -> Deal:
    made = DealFactory(store=store, stage=stage, created_at=changed, **kwargs)
    Deal.objects.filter(pk=made.pk).update(updated_at=changed)
    return made


@pytest.fixture
def frozen_data(store_a, store_b, manager, other_manager):
    """Open deals of store A, by their last change before NOW (Wednesday 25 March, noon):
    anna's in progress 5 days ago; an unassigned new one 3 days and a minute ago; anna's new one
    a minute short of 3 days. Older deals that moved since: a message about one, an order of
    another saved yesterday, a message about the order of a third. Closed: won and lost long
    ago. Store B: boris's deal in progress since 1 March."""

    def ago(**before) -> datetime.datetime:
        return NOW - datetime.timedelta(**before)

    new, working, placed = Deal.Stage.NEW, Deal.Stage.IN_PROGRESS, Deal.Stage.ORDER_PLACED
    deals = {
        "five_days": deal_changed(store_a, working, ago(days=5), responsible=manager),
        "three_days": deal_changed(store_a, new, ago(days=3, minutes=1)),
        "almost": deal_changed(
            store_a, new, ago(days=2, hours=23, minutes=59), responsible=manager
        ),
        "messaged": deal_changed(store_a, working, ago(days=15), responsible=manager),
        "order_saved": deal_changed(store_a, placed, ago(days=15), responsible=manager),
        "order_messaged": deal_changed(store_a, placed, ago(days=15), responsible=manager),
        "won": deal_changed(store_a, Deal.Stage.WON, ago(days=20), responsible=manager),
        "lost": deal_changed(store_a, Deal.Stage.LOST, ago(days=20), responsible=manager),
        "store_b": deal_changed(store_b, working, ago(days=24), responsible=other_manager),
    }
    message = MessageFactory(contact=deals["messaged"].contact, subject=deals["messaged"])
    Message.objects.filter(pk=message.pk).update(created_at=ago(days=1))
    saved = OrderFactory(store=store_a, deal=deals["order_saved"])
    Order.objects.filter(pk=saved.pk).update(updated_at=ago(days=1))
    quiet = OrderFactory(store=store_a, deal=deals["order_messaged"])
    Order.objects.filter(pk=quiet.pk).update(updated_at=ago(days=15))
    message = MessageFactory(contact=quiet.contact, subject=quiet, direction="inbound")
    Message.objects.filter(pk=message.pk).update(created_at=ago(days=2))
    # Whatever the orders and messages did to them, the deals themselves last changed long ago.
    moved = [deals[key].pk for key in ("messaged", "order_saved", "order_messaged")]
    Deal.objects.filter(pk__in=moved).update(updated_at=ago(days=15))
    return deals


def test_frozen_deals_longest_first_with_counts_per_manager(store_a, frozen_data, manager):
    frozen = frozen_deals(Store.objects.filter(pk=store_a.pk), days=3, now=NOW)

    assert [(d.number, d.stage, d.days) for d in frozen.deals] == [
        (frozen_data["five_days"].number, "В работе", 5),
        (frozen_data["three_days"].number, "Новая", 3),
    ]
    assert frozen.deals[0].manager == manager.get_full_name()
    assert frozen.deals[0].last_change == NOW - datetime.timedelta(days=5)
    assert frozen.by_manager == [(manager.get_full_name(), 1), ("(не назначен)", 1)]
    assert frozen.total == 2


def test_a_deal_frozen_exactly_n_days_counts(store_a, frozen_data):
    stores = Store.objects.filter(pk=store_a.pk)

    assert [d.days for d in frozen_deals(stores, days=5, now=NOW).deals] == [5]
    assert frozen_deals(stores, days=6, now=NOW).deals == []
    # A day: the deals that moved since count from their last message or order save.
    assert [d.days for d in frozen_deals(stores, days=1, now=NOW).deals] == [5, 3, 2, 2, 1, 1]


# --- the page -------------------------------------------------------------------------------


def page(client, user, **params):
    client.force_login(user)
    return client.get(reverse("admin:orders_processing"), {**PERIOD, **params})


def test_the_page_shows_the_figures_and_links_the_orders(
    client, now, team_lead, store_a, march_data
):
    content = page(client, team_lead, store=store_a.pk).content.decode()

    assert '<th scope="row">Все</th><td>3</td><td>11,0</td><td>16,6</td>' in content
    assert reverse("admin:orders_order_change", args=[march_data["o3"].pk]) in content
    assert ">4,5 / 4,5 (1)</td>" in content  # paid, in the order stage table
    assert ">1,3 / 1,9 (2)</td>" in content  # new, in the deal stage table


def test_the_page_charts_the_median_and_p90_of_every_stage(
    client, now, team_lead, store_a, march_data
):
    content = page(client, team_lead, store=store_a.pk).content.decode()

    chart = re.search(r'<svg class="chart processing-chart".*?</svg>', content, re.S).group(0)
    assert 'aria-label="Время на каждой стадии, рабочие часы"' in chart
    assert "<title>Сделка: Новая — Медиана: 1,3 ч</title>" in chart
    assert "<title>Сделка: Новая — 90-й процентиль: 1,9 ч</title>" in chart
    assert "<title>Заказ: Оплачен — Медиана: 4,5 ч</title>" in chart
    # Deal stages first, then the order statuses in their order: 2 + 8 rows.
    assert len(re.findall(r'<g class="chart-row">', chart)) == 10


def test_the_page_lists_the_frozen_deals_for_the_n_days_asked(
    client, now, team_lead, store_a, frozen_data
):
    three = page(client, team_lead, store=store_a.pk).content.decode()
    five = page(client, team_lead, store=store_a.pk, frozen_days=5).content.decode()

    link = reverse("admin:deals_deal_change", args=[frozen_data["three_days"].pk])
    assert link in three
    assert link not in five
    assert "без изменений 5 дней и дольше" in five


def test_the_csv_has_every_order_slowest_first(client, now, team_lead, store_a, march_data):
    client.force_login(team_lead)
    response = client.get(reverse("admin:orders_processing_csv"), {**PERIOD, "store": store_a.pk})

    lines = response.content.decode("utf-8").splitlines()
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert lines[0] == "\ufeffЗаказ;Клиент;Магазин;Менеджер;Создан;Выдан;Рабочих часов"
    assert lines[1].startswith(f"{march_data['o3'].number};")
    assert lines[1].endswith(";Вера Смирнова;17.03.2026 09:00;19.03.2026 09:00;18,0")
    assert len(lines) == 4


def test_anonymous_users_are_sent_to_the_login(client):
    response = client.get(reverse("admin:orders_processing"))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_a_user_who_may_not_view_orders_cannot_open_it(client, store_a):
    clerk = UserFactory(username="clerk", stores=[store_a])

    assert page(client, clerk).status_code == 403


def test_a_manager_cannot_open_another_stores_figures(client, manager, store_b, march_data):
    assert page(client, manager, store=store_b.pk).status_code == 404
    assert page(client, manager, store="nonsense").status_code == 404
    client.force_login(manager)
    csv = client.get(reverse("admin:orders_processing_csv"), {**PERIOD, "store": store_b.pk})
    assert csv.status_code == 404


def test_a_manager_sees_only_the_figures_of_their_stores(
    client, now, manager, other_manager, march_data, frozen_data
):
    content = page(client, manager).content.decode()

    assert '<th scope="row">Все</th><td>3</td><td>11,0</td><td>16,6</td>' in content
    assert "Спорт-Профи" not in content
    assert other_manager.get_full_name() not in content
    assert reverse("admin:deals_deal_change", args=[frozen_data["store_b"].pk]) not in content


def test_the_team_lead_sees_every_store(client, now, team_lead, other_manager, march_data):
    content = page(client, team_lead).content.decode()

    assert '<th scope="row">Все</th><td>4</td><td>7,5</td><td>15,9</td>' in content
    assert "Спорт-Профи" in content


def test_viewing_orders_and_the_reports_permission_is_enough(client, now, store_a, march_data):
    viewer = UserFactory(username="viewer", stores=[store_a])
    viewer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_order", "view_reports_order"])
    )

    assert page(client, viewer).status_code == 200


def test_the_warehouse_sees_orders_but_not_the_figures(client, store_a):
    clerk = UserFactory(username="sklad", stores=[store_a], groups=[WAREHOUSE])
    client.force_login(clerk)

    assert client.get(reverse("admin:orders_order_changelist")).status_code == 200
    assert client.get(reverse("admin:orders_processing")).status_code == 403
    assert (
        reverse("admin:orders_processing")
        not in client.get(reverse("admin:index")).content.decode()
    )


def test_the_index_links_to_the_page_for_those_who_may_view_orders(client, manager, store_a):
    link = reverse("admin:orders_processing")
    clerk = UserFactory(username="clerk", stores=[store_a])

    client.force_login(manager)
    assert link in client.get(reverse("admin:index")).content.decode()
    client.force_login(clerk)
    assert link not in client.get(reverse("admin:index")).content.decode()


# --- constant queries -----------------------------------------------------------------------


def more_data(store, manager, copies: int) -> None:
    for n in range(copies):
        issued_order(store, manager, [
            march(24, 9),
            (march(24, 10), "new", "confirmed"),
            (march(24, 11, n), "confirmed", "assembling"),
            (march(24, 12), "assembling", "assembled"),
            (march(24, 13), "assembled", "awaiting_pickup"),
            (march(24, 14), "awaiting_pickup", "issued"),
        ])  # fmt: skip
        taken_deal(store, manager, march(24, 9), [(march(24, 10), "new", "in_progress")])
        deal_changed(store, Deal.Stage.NEW, march(1, 12), responsible=manager)


@pytest.mark.parametrize("copies", [2, 20])
def test_the_page_takes_few_queries_whatever_the_data(
    client, now, team_lead, store_a, manager, march_data, copies, django_assert_max_num_queries
):
    more_data(store_a, manager, copies)
    client.force_login(team_lead)

    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("admin:orders_processing"), PERIOD)
    content = response.content.decode()
    assert f'<th scope="row">Все</th><td>{4 + copies}</td>' in content
    assert f'<th scope="row">Итого</th><td>{copies}</td>' in content  # frozen deals
