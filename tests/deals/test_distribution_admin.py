"""The distribution in the back office: profiles, rules, the log, the queue in the deal list,
a manager's own presence and a change of manager by hand."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from deals.choices import AssignmentStrategy, Presence
from deals.distribution import deal_distribute
from deals.models import Deal, DealAssignment, ManagerProfile
from tests.factories import DealFactory, UserFactory

from .conftest import NOON, make_profile

pytestmark = pytest.mark.django_db


def _grant(user, *codenames):
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))


@pytest.fixture
def lead(client, team_lead):
    _grant(
        team_lead,
        "view_managerprofile",
        "change_managerprofile",
        "view_distributionrule",
        "view_dealassignment",
    )
    client.force_login(team_lead)
    return client


def test_the_profile_list_counts_open_deals_in_constant_queries(
    lead, store_a, manager, vera, django_assert_max_num_queries
):
    url = reverse("admin:deals_managerprofile_changelist")
    make_profile(manager, max_open_deals=5)
    DealFactory.create_batch(3, store=store_a, responsible=manager)
    DealFactory(store=store_a, responsible=manager, stage=Deal.Stage.WON)
    lead.get(url)
    with django_assert_max_num_queries(12) as one_row:
        response = lead.get(url)
    rows = {p.user: p._open_deals for p in response.context["cl"].result_list}
    assert rows == {manager: 3}
    make_profile(vera, stores=[store_a])
    for n in range(5):
        make_profile(UserFactory(username=f"extra{n}", stores=[store_a]))
    with django_assert_max_num_queries(len(one_row)):
        response = lead.get(url)
    assert len(response.context["cl"].result_list) == 7


def test_setting_presence_from_the_list_hands_out_the_queue(
    lead, store_a, manager, monkeypatch, django_capture_on_commit_callbacks
):
    from deals import tasks

    profile = make_profile(manager, presence=Presence.LUNCH)
    deal = DealFactory(store=store_a)
    deal_distribute(deal=deal)
    called = []
    monkeypatch.setattr(tasks.distribute_queue_task, "delay", lambda: called.append(1))
    with django_capture_on_commit_callbacks(execute=True):
        response = lead.post(
            reverse("admin:deals_managerprofile_changelist"),
            {"action": "set_presence_at_desk", "_selected_action": [profile.pk]},
        )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.presence == Presence.AT_DESK
    assert called == [1]


def test_a_manager_sets_their_own_presence(client, manager):
    make_profile(manager, presence=Presence.AT_DESK)
    client.force_login(manager)
    url = reverse("admin:deals_managerprofile_my_presence")
    page = client.get(url)
    assert "Сейчас: <strong>На месте</strong>" in page.content.decode()
    response = client.post(url, {"presence": Presence.LUNCH, "next": "/admin/deals/deal/"})
    assert response.status_code == 302
    assert response["Location"] == "/admin/deals/deal/"
    assert ManagerProfile.objects.get(user=manager).presence == Presence.LUNCH


def test_the_presence_page_sends_nowhere_outside(client, manager):
    make_profile(manager)
    client.force_login(manager)
    url = reverse("admin:deals_managerprofile_my_presence")
    response = client.post(url, {"presence": Presence.AWAY, "next": "https://evil.example/"})
    assert response["Location"] == url


def test_someone_without_a_profile_is_told_to_ask_the_team_lead(client, warehouse_user):
    client.force_login(warehouse_user)
    page = client.get(reverse("admin:deals_managerprofile_my_presence"))
    assert page.status_code == 200
    assert "руководител" in page.content.decode()


def test_the_deal_list_filters_the_queue(client, manager, store_a):
    waiting = DealFactory(store=store_a, queued_since=NOON)
    DealFactory(store=store_a, queued_since=NOON, responsible=manager)  # taken by hand
    DealFactory(store=store_a)
    client.force_login(manager)
    response = client.get(reverse("admin:deals_deal_changelist"), {"queued": "yes"})
    assert list(response.context["cl"].result_list) == [waiting]
    assert "В очереди" in response.content.decode()


def test_changing_the_manager_by_hand_is_logged_and_leaves_the_queue(
    client, team_lead, store_a, manager
):
    from tests.orders.test_order_admin import _form_data

    deal = DealFactory(store=store_a, queued_since=NOON)
    client.force_login(team_lead)
    url = reverse("admin:deals_deal_change", args=[deal.pk])
    data = _form_data(client.get(url))
    data["responsible"] = manager.pk
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    deal.refresh_from_db()
    assert (deal.responsible, deal.queued_since) == (manager, None)
    entry = DealAssignment.objects.get(deal=deal)
    assert (entry.strategy, entry.manager, entry.actor) == (
        AssignmentStrategy.MANUAL,
        manager,
        team_lead,
    )


def test_the_assignment_log_shows_only_the_users_stores(
    client, manager, store_a, store_b, other_manager
):
    make_profile(manager)
    make_profile(other_manager)
    mine, theirs = DealFactory(store=store_a), DealFactory(store=store_b)
    deal_distribute(deal=mine)
    deal_distribute(deal=theirs)
    _grant(manager, "view_dealassignment")
    client.force_login(manager)
    response = client.get(reverse("admin:deals_dealassignment_changelist"))
    assert [entry.deal for entry in response.context["cl"].result_list] == [mine]
