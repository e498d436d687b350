"""Who sees the 1C exchange in the admin, and the demo step."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import Product, Warehouse
from fulfillment.onec.demo import seed_onec_demo
from fulfillment.onec.models import ExchangeLog, OnecOrder
from tests.factories import OrderFactory, ProductFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


def test_the_team_lead_reads_the_exchange_log_and_a_manager_does_not(client, team_lead, manager):
    log = ExchangeLog.objects.create(
        kind="catalog_import", session="s", filename="offers.xml", status="failure", error="Boom"
    )
    url = reverse("admin:fulfillment_exchangelog_change", args=[log.pk])

    client.force_login(team_lead)
    page = client.get(url)
    assert page.status_code == 200
    assert "Boom" in page.content.decode()
    assert client.get(reverse("admin:fulfillment_exchangelog_add")).status_code == 403

    client.force_login(manager)
    assert client.get(url).status_code == 403


def test_the_order_page_shows_the_order_in_1c(client, manager, store_a):
    order = OrderFactory(store=store_a)
    OnecOrder.objects.create(order=order, number="УТ-000777", posted=True)
    client.force_login(manager)

    page = client.get(reverse("admin:orders_order_change", args=[order.pk]))

    assert "УТ-000777" in page.content.decode()


def test_the_product_page_shows_the_1c_id(client, team_lead):
    product = ProductFactory(external_id="guid-42")
    client.force_login(team_lead)

    page = client.get(reverse("admin:catalog_product_change", args=[product.pk]))

    assert "guid-42" in page.content.decode()


def test_the_demo_step_imports_the_sample_catalogue_once():
    WarehouseFactory(code="main", priority=10)

    seed_onec_demo(lambda text: None)
    seed_onec_demo(lambda text: None)

    assert Product.objects.filter(external_id__gt="").count() == 3
    assert Warehouse.objects.filter(is_active=False).count() == 2
    assert ExchangeLog.objects.filter(session="demo").count() == 2
