"""The deal autocomplete (an order's or an assignment's «сделка» field) lists the newest deals
first, page after page: the admin's queryset aggregates, which drops the model's ordering."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from orders.roles import TEAM_LEAD
from tests.factories import DealFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_newest_deals_come_first(client):
    store = StoreFactory()
    now = timezone.now()
    deals = [
        DealFactory(store=store, created_at=now - datetime.timedelta(days=days))
        for days in (5, 1, 3)
    ]
    client.force_login(UserFactory(username="lead", groups=[TEAM_LEAD], stores=[store]))

    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "orders", "model_name": "order", "field_name": "deal", "term": ""},
    )

    ids = [row["id"] for row in response.json()["results"]]
    assert ids == [str(deals[1].pk), str(deals[2].pk), str(deals[0].pk)]
