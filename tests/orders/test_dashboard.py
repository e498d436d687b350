"""The overdue dashboard («Просрочки»): exact figures on known data, the order of the list,
the filters, who sees what, the one-click reassignment and a constant number of queries."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.text import capfirst

from automation.models import Task
from deals.choices import Channel
from deals.distribution_models import DealAssignment
from deals.models import Deal
from orders.dashboard import REASSIGNED
from orders.models import Order, Status
from orders.roles import MANAGER
from tests.factories import DealFactory, OrderFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
URL = "/admin/dashboard/"


def _hours_ago(hours: float) -> datetime:
    return NOW - timedelta(hours=hours)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def vera(store_a):
    """A second manager of store A."""
    return UserFactory(username="vera", groups=[MANAGER], stores=[store_a])


@pytest.fixture
def known(now, store_a, store_b, manager, other_manager, vera):
    """Overdue: b_new 10 h (store B, phone), a_new 5 h, order 3 h, a_work 2 h. At risk: one
    deal in progress (store A) and one order (store B). A won deal's old mark does not count."""
    d = {}
    d["b_new"] = DealFactory(
        store=store_b, responsible=other_manager, channel=Channel.PHONE,
        overdue_since=_hours_ago(10),
    )  # fmt: skip
    d["a_new"] = DealFactory(store=store_a, responsible=manager, overdue_since=_hours_ago(5))
    d["order"] = OrderFactory(store=store_a, responsible=vera, overdue_since=_hours_ago(3))
    d["a_work"] = DealFactory(
        store=store_a, responsible=manager, stage=Deal.Stage.IN_PROGRESS,
        overdue_since=_hours_ago(2),
    )  # fmt: skip
    d["a_risk"] = DealFactory(
        store=store_a, responsible=manager, stage=Deal.Stage.IN_PROGRESS, warned_at=_hours_ago(1)
    )
    d["b_risk"] = OrderFactory(store=store_b, responsible=other_manager, warned_at=_hours_ago(1))
    DealFactory(
        store=store_a, responsible=manager, stage=Deal.Stage.WON, overdue_since=_hours_ago(20)
    )
    OrderFactory(
        store=store_a, responsible=manager, status=Status.ISSUED, overdue_since=_hours_ago(20)
    )
    return d


def _stage_figures(response) -> list[tuple[str, int, int]]:
    return [(c.label, c.overdue, c.at_risk) for c in response.context["by_stage"]]


def _listed(response) -> list:
    return [item["row"].obj for item in response.context["rows"]]


def _label(model, value) -> str:
    kind = capfirst(model._meta.verbose_name)
    return f"{kind}: {dict(model._meta.get_field(model.STATE_FIELD).flatchoices)[value]}"


def test_the_team_lead_sees_exact_figures_and_the_list_longest_overdue_first(
    client, team_lead, known
):
    client.force_login(team_lead)
    response = client.get(URL)

    assert response.status_code == 200
    assert _stage_figures(response) == [
        (_label(Deal, Deal.Stage.NEW), 2, 0),
        (_label(Deal, Deal.Stage.IN_PROGRESS), 1, 1),
        (_label(Order, Status.NEW), 1, 1),
    ]
    by_manager = {c.label: (c.overdue, c.at_risk) for c in response.context["by_manager"]}
    assert by_manager == {
        known["a_new"].responsible.get_full_name(): (2, 1),
        known["b_new"].responsible.get_full_name(): (1, 1),
        known["order"].responsible.get_full_name(): (1, 0),
    }
    assert _listed(response) == [known["b_new"], known["a_new"], known["order"], known["a_work"]]
    assert [item["hours"] for item in response.context["rows"]] == [10, 5, 3, 2]
    assert b'<meta http-equiv="refresh" content="60">' in response.content
    page = response.content.decode()
    assert "<h1>Просрочки</h1>" in page
    assert "(10 ч назад)" in page


def test_the_store_and_channel_filters_narrow_every_figure(client, team_lead, store_a, known):
    client.force_login(team_lead)

    by_store = client.get(URL, {"store": store_a.pk})
    by_channel = client.get(URL, {"channel": Channel.PHONE})

    assert _listed(by_store) == [known["a_new"], known["order"], known["a_work"]]
    assert _stage_figures(by_store) == [
        (_label(Deal, Deal.Stage.NEW), 1, 0),
        (_label(Deal, Deal.Stage.IN_PROGRESS), 1, 1),
        (_label(Order, Status.NEW), 1, 0),
    ]
    assert _listed(by_channel) == [known["b_new"]]
    assert _stage_figures(by_channel) == [(_label(Deal, Deal.Stage.NEW), 1, 0)]


def test_a_manager_sees_only_their_own_deals_orders_and_overdue_tasks(client, manager, known):
    mine = Task.objects.create(title="Перезвонить", assignee=manager, due_at=_hours_ago(1))
    Task.objects.create(title="Позже", assignee=manager, due_at=NOW + timedelta(hours=1))
    Task.objects.create(
        title="Сделано", assignee=manager, due_at=_hours_ago(2), done_at=_hours_ago(1)
    )
    client.force_login(manager)

    response = client.get(URL)

    assert response.status_code == 200
    assert _listed(response) == [known["a_new"], known["a_work"]]
    assert _stage_figures(response) == [
        (_label(Deal, Deal.Stage.NEW), 1, 0),
        (_label(Deal, Deal.Stage.IN_PROGRESS), 1, 1),
    ]
    assert response.context["by_manager"] == []
    assert response.context["tasks"] == [mine]
    assert b'name="manager"' not in response.content


def _chart(page: str, title: str) -> str:
    """The SVG chart of `title` in the page; fails the test if there is none."""
    found = re.search(rf'<svg class="chart overdue-chart" [^>]*aria-label="{title}".*?</svg>', page)
    assert found, f"no chart «{title}»"
    return found.group(0)


def _description(svg: str) -> str:
    return re.search(r"<desc>(.*?)</desc>", svg).group(1)


def _bars(svg: str) -> list[int]:
    return [int(w) for w in re.findall(r'<rect class="bar" [^>]*width="(\d+)"', svg)]


def test_the_team_lead_sees_both_tables_as_charts_of_overdue_and_at_risk(client, team_lead, known):
    client.force_login(team_lead)
    page = client.get(URL).content.decode()

    by_stage = _chart(page, "Просрочено и скоро просрочка по стадиям")
    assert _description(by_stage) == (
        f"{_label(Deal, Deal.Stage.NEW)} — Просрочено: 2, Скоро просрочка: 0; "
        f"{_label(Deal, Deal.Stage.IN_PROGRESS)} — Просрочено: 1, Скоро просрочка: 1; "
        f"{_label(Order, Status.NEW)} — Просрочено: 1, Скоро просрочка: 1"
    )
    assert _bars(by_stage) == [320, 0, 160, 160, 160, 160]
    by_manager = _chart(page, "Просрочено и скоро просрочка по менеджерам")
    anna, boris, vera = (known[k].responsible.get_full_name() for k in ("a_new", "b_new", "order"))
    assert _description(by_manager) == (
        f"{anna} — Просрочено: 2, Скоро просрочка: 1; "
        f"{boris} — Просрочено: 1, Скоро просрочка: 1; "
        f"{vera} — Просрочено: 1, Скоро просрочка: 0"
    )
    assert ">Просрочено</text>" in by_manager  # the legend


def test_a_manager_sees_a_chart_of_their_own_stages_only(client, manager, known):
    client.force_login(manager)
    page = client.get(URL).content.decode()

    assert _description(_chart(page, "Просрочено и скоро просрочка по стадиям")) == (
        f"{_label(Deal, Deal.Stage.NEW)} — Просрочено: 1, Скоро просрочка: 0; "
        f"{_label(Deal, Deal.Stage.IN_PROGRESS)} — Просрочено: 1, Скоро просрочка: 1"
    )
    assert "по менеджерам" not in page


def test_nothing_overdue_draws_no_chart(client, team_lead, now):
    client.force_login(team_lead)
    page = client.get(URL).content.decode()

    assert "Просрочек нет." in page
    assert '<svg class="chart' not in page


def test_a_manager_cannot_open_another_stores_figures(client, manager, store_b, known):
    client.force_login(manager)

    assert client.get(URL, {"store": store_b.pk}).status_code == 404


def test_a_user_without_deal_or_order_rights_cannot_open_the_dashboard(client, store_a):
    client.force_login(UserFactory(username="nobody", stores=[store_a]))

    assert client.get(URL).status_code == 403


def test_the_admin_index_links_to_the_dashboard(client, manager):
    client.force_login(manager)

    assert URL.encode() in client.get(reverse("admin:index")).content


def _reassign(client, obj, manager):
    kind = "deal" if isinstance(obj, Deal) else "order"
    return client.post(URL, {"type": kind, "object": obj.pk, "manager": manager.pk})


def test_the_team_lead_reassigns_a_deal_and_it_is_recorded(client, team_lead, vera, known):
    deal = known["a_new"]
    client.force_login(team_lead)

    response = _reassign(client, deal, vera)

    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.responsible == vera
    assignment = DealAssignment.objects.get(deal=deal)
    assert (assignment.manager, assignment.actor) == (vera, team_lead)
    assert vera.notifications.filter(link__contains=f"/{deal.pk}/").exists()


def test_the_team_lead_reassigns_an_order_and_its_history_shows_it(
    client, team_lead, manager, known
):
    order = known["order"]
    client.force_login(team_lead)

    _reassign(client, order, manager)

    order.refresh_from_db()
    assert order.responsible == manager
    entry = order.transitions.get(name=REASSIGNED)
    assert entry.actor == team_lead
    assert str(manager) in entry.comment


def test_a_manager_cannot_reassign(client, manager, vera, known):
    client.force_login(manager)

    assert _reassign(client, known["a_new"], vera).status_code == 403
    known["a_new"].refresh_from_db()
    assert known["a_new"].responsible == manager


def test_another_stores_object_cannot_be_reassigned(client, store_a, known, other_manager):
    # Every right to reassign, but only for store A.
    user = UserFactory(username="lead_a", stores=[store_a])
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_deal", "change_deal"]))
    client.force_login(user)

    assert _reassign(client, known["b_new"], other_manager).status_code == 404
    known["b_new"].refresh_from_db()
    assert known["b_new"].responsible == other_manager


def test_a_manager_of_another_store_cannot_be_given_the_object(
    client, team_lead, other_manager, known
):
    client.force_login(team_lead)

    assert _reassign(client, known["a_new"], other_manager).status_code == 404


def _overdue_rows(store, managers, count: int) -> None:
    for i in range(count):
        responsible = managers[i % len(managers)]
        DealFactory(store=store, responsible=responsible, overdue_since=_hours_ago(i + 1))
        OrderFactory(store=store, responsible=responsible, overdue_since=_hours_ago(i + 1.5))


@pytest.mark.parametrize("who", ["team_lead", "manager"])
def test_the_number_of_queries_does_not_grow_with_the_list(
    client, request, now, store_a, manager, vera, django_assert_max_num_queries, who
):
    user = request.getfixturevalue(who)
    client.force_login(user)
    _overdue_rows(store_a, [manager, vera], 2)
    client.get(URL)  # warm the caches (content types, sessions)
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL).status_code == 200
    _overdue_rows(store_a, [manager, vera], 25)

    with django_assert_max_num_queries(len(small)):
        response = client.get(URL)

    assert len(response.context["rows"]) == (54 if who == "team_lead" else 28)


def test_an_object_is_overdue_since_its_deadline_not_since_the_sweep_marked_it(
    client, team_lead, store_a, manager, now
):
    # Marked by the sweep only now (a worker that was down), though its deadline passed long ago.
    late_mark = DealFactory(
        store=store_a, responsible=manager, stage_deadline_at=_hours_ago(30),
        overdue_since=_hours_ago(0.1),
    )  # fmt: skip
    DealFactory(store=store_a, responsible=manager, overdue_since=_hours_ago(5))
    client.force_login(team_lead)

    rows = client.get(URL).context["rows"]

    assert rows[0]["row"].obj == late_mark
    assert rows[0]["row"].hours_overdue(NOW) == 30
    assert _hours_ago(30).strftime("%d.%m") in client.get(URL).content.decode()
