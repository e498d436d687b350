"""Admin lists speak grammatical Russian: titled by the plural name, «Добавить» on the button
(the stock «Выберите сделка для изменения» / «Добавить сделка» put the name in the wrong case)."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_deal_list_is_titled_by_its_plural_name_with_a_plain_add_button(admin_client):
    html = admin_client.get(reverse("admin:deals_deal_changelist")).content.decode()

    assert "<h1>Сделки</h1>" in html
    assert "<title>Сделки |" in html
    assert "Выберите сделка" not in html
    assert "Добавить сделка" not in html
    assert 'class="addlink">Добавить</a>' in html


def test_order_list_is_titled_by_its_plural_name(admin_client):
    html = admin_client.get(reverse("admin:orders_order_changelist")).content.decode()

    assert "<h1>Заказы</h1>" in html
    assert "Выберите заказ для изменения" not in html
