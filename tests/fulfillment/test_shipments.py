"""Shipments: created with the hand-over, sent to CDEK at most once, followed through CDEK's
statuses (poller and webhook) into the order's transitions."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
import responses
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from automation.models import Notification, Task
from deals.choices import DeliveryMethod, PaymentMethod
from fulfillment.models import CarrierStatusMapping, Shipment, ShipmentEvent
from fulfillment.shipments import (
    disagreements,
    shipment_send_to_cdek,
    shipment_sync,
    shipments_poll,
)
from integrations.errors import TransientError
from orders.models import Order, PaymentStatus, Status
from orders.services import order_hand_to_delivery, order_ready_for_pickup
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db

CDEK = "https://cdek.test/v2"
UUID = "11111111-1111-4111-8111-111111111111"
T0 = "2026-11-23T10:00:00+0000"


@pytest.fixture(autouse=True)
def _cdek(settings):
    settings.CDEK_API_URL = CDEK
    settings.CDEK_CLIENT_ID = "id"
    settings.CDEK_CLIENT_SECRET = "secret"
    settings.CDEK_SHIPMENT_POINT = "MSK1"
    settings.CDEK_POLL_RATE_SHARED = False
    cache.clear()  # the client caches its OAuth token


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.post(
            f"{CDEK}/oauth/token",
            json={"access_token": "t", "token_type": "bearer", "expires_in": 3599},
        )
        yield rsps


def cdek_order(*, number="", cdek_number=None, state="SUCCESSFUL", statuses=(), errors=()):
    return {
        "entity": {
            "uuid": UUID,
            "number": number,
            "cdek_number": cdek_number,
            "tariff_code": 136,
            "statuses": [
                {"code": code, "name": name, "date_time": when, "city": "Москва"}
                for code, name, when in reversed(statuses)  # CDEK: newest first
            ],
        },
        "requests": [
            {
                "type": "CREATE",
                "state": state,
                "date_time": T0,
                "errors": [{"code": "v2_bad", "message": m} for m in errors],
            }
        ],
    }


def cdek_order_ready(store, **kwargs) -> Order:
    kwargs.setdefault("delivery_method", DeliveryMethod.CDEK)
    kwargs.setdefault("pickup_point_code", "MSK65")
    kwargs.setdefault("delivery_address", "")
    if kwargs.get("payment_method", PaymentMethod.ONLINE) == PaymentMethod.ONLINE:
        kwargs.setdefault("payment_status", PaymentStatus.PAID)
    return OrderFactory(store=store, status=Status.ASSEMBLED, **kwargs)


def handed(order, actor, django_capture_on_commit_callbacks) -> Shipment:
    with django_capture_on_commit_callbacks(execute=False):
        order_hand_to_delivery(order_id=order.pk, actor=actor)
    return order.shipments.get()


# --- created with the transition ------------------------------------------------------------


def test_handing_a_cdek_order_over_creates_one_shipment_and_enqueues_it(
    store_a, manager, django_capture_on_commit_callbacks
):
    order = cdek_order_ready(store_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order_hand_to_delivery(order_id=order.pk, actor=manager)

    shipment = order.shipments.get()
    assert (shipment.kind, shipment.status, shipment.tariff_code) == ("cdek", "new", 136)
    assert shipment.pickup_point_code == "MSK65"
    assert len(callbacks) >= 1
    assert order.transitions.filter(name="shipment_created").exists()


def test_a_door_delivery_takes_the_door_tariff_and_cash_on_delivery_the_total(
    store_a, manager, django_capture_on_commit_callbacks
):
    order = cdek_order_ready(
        store_a,
        pickup_point_code="",
        delivery_address="Казань, ул. Баумана, 5",
        payment_method=PaymentMethod.CASH_ON_DELIVERY,
    )
    shipment = handed(order, manager, django_capture_on_commit_callbacks)
    assert shipment.tariff_code == 137
    assert shipment.cash_on_delivery == order.total > 0


def test_a_courier_hand_over_gives_a_task_with_the_window(
    store_a, manager, django_capture_on_commit_callbacks
):
    order = OrderFactory(store=store_a, status=Status.ASSEMBLED)
    start = timezone.now() + timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=False):
        order_hand_to_delivery(
            order_id=order.pk,
            actor=manager,
            window_start=start,
            window_end=start + timedelta(hours=2),
            courier_name="Пётр",
        )
    shipment = order.shipments.get()
    assert shipment.kind == "courier"
    task = Task.objects.get(pk=shipment.task_id)
    assert task.assignee == manager
    assert task.due_at == start + timedelta(hours=2)
    assert any(order.delivery_address in item.text for item in task.checklist.all())


def test_own_pickup_point_records_a_pickup_shipment_closed_on_issue(
    store_a, manager, django_capture_on_commit_callbacks
):
    from tests.factories import WarehouseFactory

    point = WarehouseFactory(kind="pickup_point", address="Москва, Тверская, 7")
    order = OrderFactory(
        store=store_a,
        status=Status.ASSEMBLED,
        delivery_method=DeliveryMethod.PICKUP,
        pickup_point=point,
        delivery_address="",
        payment_method=PaymentMethod.CASH_ON_DELIVERY,
    )
    with django_capture_on_commit_callbacks(execute=False):
        order_ready_for_pickup(order_id=order.pk, actor=manager)
    shipment = order.shipments.get()
    assert (shipment.kind, shipment.address) == ("pickup", "Москва, Тверская, 7")


def test_the_order_page_shows_the_shipment_and_a_courier_has_a_printable_handover(
    client, store_a, store_b, manager, other_manager, django_capture_on_commit_callbacks
):
    order = OrderFactory(store=store_a, status=Status.ASSEMBLED)
    start = timezone.now()
    with django_capture_on_commit_callbacks(execute=False):
        order_hand_to_delivery(
            order_id=order.pk, actor=manager, window_start=start, window_end=start
        )
    shipment = order.shipments.get()
    client.force_login(manager)
    page = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert reverse("admin:fulfillment_shipment_change", args=[shipment.pk]) in page
    handover = reverse("admin:fulfillment_shipment_handover", args=[shipment.pk])
    response = client.get(handover)
    assert response.status_code == 200
    assert order.delivery_address in response.content.decode()

    client.force_login(other_manager)
    assert client.get(handover).status_code == 404


# --- sending to CDEK ------------------------------------------------------------------------


def test_the_worker_creates_the_cdek_order_once_and_stores_its_uuid(
    store_a, manager, mocked, django_capture_on_commit_callbacks
):
    shipment = handed(cdek_order_ready(store_a), manager, django_capture_on_commit_callbacks)
    create = mocked.post(f"{CDEK}/orders", status=202, json=cdek_order(state="ACCEPTED"))

    with django_capture_on_commit_callbacks(execute=False):
        shipment_send_to_cdek(shipment_id=shipment.pk)
        shipment_send_to_cdek(shipment_id=shipment.pk)  # a repeated task run

    shipment.refresh_from_db()
    assert (shipment.status, shipment.cdek_uuid) == ("registering", UUID)
    assert create.call_count == 1
    body = json.loads(create.calls[0].request.body)
    assert body["delivery_point"] == "MSK65"
    assert body["shipment_point"] == "MSK1"
    assert body["number"] == str(shipment.order.number)


def test_after_a_timeout_the_retry_finds_the_order_at_cdek_instead_of_sending_again(
    store_a, manager, mocked, django_capture_on_commit_callbacks
):
    shipment = handed(cdek_order_ready(store_a), manager, django_capture_on_commit_callbacks)
    create = mocked.post(f"{CDEK}/orders", body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(TransientError):
        shipment_send_to_cdek(shipment_id=shipment.pk)
    shipment.refresh_from_db()
    assert (shipment.status, shipment.attempts) == ("new", 1)

    # CDEK had accepted it after all: the retry looks it up by our number.
    lookup = mocked.get(f"{CDEK}/orders", json=cdek_order(cdek_number="1106207236"))
    with django_capture_on_commit_callbacks(execute=False):
        shipment_send_to_cdek(shipment_id=shipment.pk)

    shipment.refresh_from_db()
    assert shipment.cdek_uuid == UUID
    assert create.call_count == 1
    assert lookup.call_count == 1


def test_a_fresh_claim_is_not_taken_by_a_second_worker(
    store_a, manager, mocked, django_capture_on_commit_callbacks
):
    shipment = handed(cdek_order_ready(store_a), manager, django_capture_on_commit_callbacks)
    Shipment.objects.filter(pk=shipment.pk).update(status="sending", attempts=1)
    create = mocked.post(f"{CDEK}/orders", status=202, json=cdek_order(state="ACCEPTED"))

    assert shipment_send_to_cdek(shipment_id=shipment.pk) is None
    assert create.call_count == 0


def test_cdek_refusing_the_order_makes_an_error_the_manager_hears_of(
    store_a, manager, mocked, django_capture_on_commit_callbacks
):
    order = cdek_order_ready(store_a, responsible=manager)
    shipment = handed(order, manager, django_capture_on_commit_callbacks)
    Shipment.objects.filter(pk=shipment.pk).update(status="registering", cdek_uuid=UUID)
    mocked.get(
        f"{CDEK}/orders/{UUID}",
        json=cdek_order(state="INVALID", errors=["Delivery point is not found by code MSK65"]),
    )
    with django_capture_on_commit_callbacks(execute=True):
        shipment_sync(shipment_id=shipment.pk)

    shipment.refresh_from_db()
    assert shipment.status == "error"
    assert "MSK65" in shipment.error
    assert Notification.objects.filter(user=manager, text__contains="MSK65").exists()


# --- following the carrier ------------------------------------------------------------------

JOURNEY = [
    ("CREATED", "Создан", "2026-11-23T10:00:00+0000"),
    ("RECEIVED_AT_SHIPMENT_WAREHOUSE", "Принят на склад отправителя", "2026-11-23T11:00:00+0000"),
    ("ACCEPTED_AT_PICK_UP_POINT", "Принят на склад до востребования", "2026-11-24T10:00:00+0000"),
    ("DELIVERED", "Вручен", "2026-11-25T12:00:00+0000"),
]


def in_transit(store, manager, capture) -> Shipment:
    shipment = handed(cdek_order_ready(store), manager, capture)
    Shipment.objects.filter(pk=shipment.pk).update(status="registering", cdek_uuid=UUID)
    return shipment


def test_statuses_move_the_order_to_the_pickup_point_and_then_to_issued(
    store_a, manager, mocked, django_capture_on_commit_callbacks
):
    shipment = in_transit(store_a, manager, django_capture_on_commit_callbacks)
    mocked.get(f"{CDEK}/orders/{UUID}", json=cdek_order(cdek_number="77", statuses=JOURNEY[:3]))
    with django_capture_on_commit_callbacks(execute=False):
        result = shipment_sync(shipment_id=shipment.pk)
    order = Order.objects.get(pk=shipment.order_id)
    assert order.status == Status.AWAITING_PICKUP
    assert result.new_events == 3
    assert result.transitions == ["arrive_at_pickup_point"]

    mocked.replace(
        responses.GET, f"{CDEK}/orders/{UUID}", json=cdek_order(cdek_number="77", statuses=JOURNEY)
    )
    with django_capture_on_commit_callbacks(execute=False):
        shipment_sync(shipment_id=shipment.pk)
    order.refresh_from_db()
    shipment.refresh_from_db()
    assert order.status == Status.ISSUED
    assert (shipment.status, shipment.cdek_number, shipment.carrier_status) == (
        "delivered",
        "77",
        "DELIVERED",
    )
    history = list(
        order.transitions.filter(name="carrier_status").values_list("comment", flat=True)
    )
    assert len(history) == 4
    assert any("DELIVERED — Вручен" in line for line in history)
    via = order.transitions.get(name="issue").via
    assert via == "beat"


def test_a_repeated_status_is_stored_once_and_changes_nothing(
    store_a, manager, mocked, django_capture_on_commit_callbacks
):
    shipment = in_transit(store_a, manager, django_capture_on_commit_callbacks)
    mocked.get(f"{CDEK}/orders/{UUID}", json=cdek_order(cdek_number="77", statuses=JOURNEY[:3]))
    with django_capture_on_commit_callbacks(execute=False):
        shipment_sync(shipment_id=shipment.pk)
        again = shipment_sync(shipment_id=shipment.pk)
    assert again.new_events == 0
    assert ShipmentEvent.objects.filter(shipment=shipment).count() == 3
    assert (
        Order.objects.get(pk=shipment.order_id)
        .transitions.filter(name="arrive_at_pickup_point")
        .count()
        == 1
    )


def test_a_late_status_never_moves_the_order_back(
    store_a, manager, mocked, django_capture_on_commit_callbacks
):
    shipment = in_transit(store_a, manager, django_capture_on_commit_callbacks)
    # DELIVERED arrives first (the pickup-point status was lost), then the pickup one shows up.
    mocked.get(f"{CDEK}/orders/{UUID}", json=cdek_order(cdek_number="77", statuses=[JOURNEY[3]]))
    with django_capture_on_commit_callbacks(execute=False):
        shipment_sync(shipment_id=shipment.pk)
    mocked.replace(
        responses.GET, f"{CDEK}/orders/{UUID}", json=cdek_order(cdek_number="77", statuses=JOURNEY)
    )
    with django_capture_on_commit_callbacks(execute=False):
        shipment_sync(shipment_id=shipment.pk)

    order = Order.objects.get(pk=shipment.order_id)
    assert order.status == Status.ISSUED
    event = ShipmentEvent.objects.get(shipment=shipment, code="ACCEPTED_AT_PICK_UP_POINT")
    assert event.outcome  # why nothing ran
    assert event.outcome != "Прибыл в пункт выдачи"


def test_not_delivered_sends_the_order_back_and_the_mapping_is_editable(
    store_a, manager, mocked, django_capture_on_commit_callbacks
):
    shipment = in_transit(store_a, manager, django_capture_on_commit_callbacks)
    # The team lead decided a failed door attempt already means «возвращается».
    CarrierStatusMapping.objects.update_or_create(
        code="RETURNED_TO_RECIPIENT_CITY_WAREHOUSE", defaults={"action": "fail_delivery"}
    )
    mocked.get(
        f"{CDEK}/orders/{UUID}",
        json=cdek_order(
            cdek_number="77",
            statuses=[("RETURNED_TO_RECIPIENT_CITY_WAREHOUSE", "Возвращен", T0)],
        ),
    )
    with django_capture_on_commit_callbacks(execute=False):
        shipment_sync(shipment_id=shipment.pk)
    assert Order.objects.get(pk=shipment.order_id).status == Status.RETURNING


def test_the_poller_asks_only_tracked_shipments_least_recently_checked_first(
    store_a, manager, mocked, django_capture_on_commit_callbacks
):
    first = in_transit(store_a, manager, django_capture_on_commit_callbacks)
    Shipment.objects.filter(pk=first.pk).update(checked_at=timezone.now())
    second = in_transit(store_a, manager, django_capture_on_commit_callbacks)
    done = in_transit(store_a, manager, django_capture_on_commit_callbacks)
    Shipment.objects.filter(pk=done.pk).update(status="delivered")
    asked = mocked.get(f"{CDEK}/orders/{UUID}", json=cdek_order(cdek_number="77"))

    class CountingLimiter:
        calls = 0

        def acquire(self):
            self.calls += 1
            return 0.0

    limiter = CountingLimiter()
    with django_capture_on_commit_callbacks(execute=False):
        result = shipments_poll(batch=1, limiter=limiter)
    assert (result.checked, limiter.calls, asked.call_count) == (1, 1, 1)
    second.refresh_from_db()
    assert second.checked_at is not None  # the never-checked one went first


def test_the_report_lists_orders_the_carrier_and_the_order_disagree_on_for_an_hour(
    store_a, manager, mocked, django_capture_on_commit_callbacks
):
    shipment = in_transit(store_a, manager, django_capture_on_commit_callbacks)
    CarrierStatusMapping.objects.filter(code="DELIVERED").update(action="issue")
    now = timezone.now()
    Shipment.objects.filter(pk=shipment.pk).update(
        expected_order_status=Status.ISSUED, carrier_status="DELIVERED", carrier_status_at=now
    )
    assert not disagreements().exists()
    with time_machine.travel(now + timedelta(minutes=61)):
        assert list(disagreements()) == [shipment]
        Order.objects.filter(pk=shipment.order_id).update(status=Status.ISSUED)
        assert not disagreements().exists()


# --- the webhook ----------------------------------------------------------------------------


def push(client, uuid=UUID, code="DELIVERED"):
    body = {
        "type": "ORDER_STATUS",
        "date_time": T0,
        "uuid": uuid,
        "attributes": {"code": code, "status_date_time": T0, "cdek_number": "77", "number": "1"},
    }
    return client.post("/webhooks/cdek/", data=json.dumps(body), content_type="application/json")


def test_a_push_about_a_shipment_of_ours_makes_a_worker_confirm_it_with_cdek(
    client, store_a, manager, django_capture_on_commit_callbacks, monkeypatch
):
    shipment = in_transit(store_a, manager, django_capture_on_commit_callbacks)
    queued = []
    monkeypatch.setattr(
        "fulfillment.tasks.sync_shipment_task.apply_async",
        lambda kwargs=None, **options: queued.append(kwargs),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = push(client)
    assert response.status_code == 200
    assert queued == [{"shipment_id": shipment.pk, "via": "webhook"}]
    # The push itself changed nothing: only what CDEK confirms does.
    assert Order.objects.get(pk=shipment.order_id).status == Status.HANDED_TO_DELIVERY


def test_a_push_about_an_unknown_shipment_is_answered_and_ignored(client, db, monkeypatch):
    queued = []
    monkeypatch.setattr(
        "fulfillment.tasks.sync_shipment_task.apply_async",
        lambda kwargs=None, **options: queued.append(kwargs),
    )
    assert push(client, uuid="99999999-9999-4999-8999-999999999999").status_code == 200
    assert queued == []


def test_a_push_that_is_not_an_order_status_is_refused(client, db):
    response = client.post("/webhooks/cdek/", data="{}", content_type="application/json")
    assert response.status_code == 400


def test_a_cash_on_delivery_parcel_collects_its_price_per_unit(
    store_a, manager, mocked, django_capture_on_commit_callbacks
):
    order = cdek_order_ready(store_a, payment_method=PaymentMethod.CASH_ON_DELIVERY)
    shipment = handed(order, manager, django_capture_on_commit_callbacks)
    create = mocked.post(f"{CDEK}/orders", status=202, json=cdek_order(state="ACCEPTED"))
    with django_capture_on_commit_callbacks(execute=False):
        shipment_send_to_cdek(shipment_id=shipment.pk)
    item = json.loads(create.calls[0].request.body)["packages"][0]["items"][0]
    assert Decimal(str(item["payment"]["value"])) == order.items.get().price


@pytest.mark.parametrize("rows", [1, 6])
def test_the_shipment_list_costs_the_same_queries_for_any_number_of_rows(
    client, store_a, team_lead, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        order = cdek_order_ready(store_a)
        Shipment.objects.create(order=order, store=store_a, kind="cdek", status="in_transit")
    client.force_login(team_lead)
    with django_assert_max_num_queries(13):
        response = client.get(reverse("admin:fulfillment_shipment_changelist") + "?disagree=1h")
    assert response.status_code == 200


def test_a_manager_of_another_store_does_not_see_the_shipment(
    client, store_a, other_manager, django_capture_on_commit_callbacks, manager
):
    shipment = handed(cdek_order_ready(store_a), manager, django_capture_on_commit_callbacks)
    client.force_login(other_manager)
    url = reverse("admin:fulfillment_shipment_change", args=[shipment.pk])
    assert client.get(url).status_code in (302, 404)
    listing = client.get(reverse("admin:fulfillment_shipment_changelist")).content.decode()
    assert str(shipment.order.number) not in listing


def test_cash_on_delivery_with_a_discount_adds_up_to_the_order_total(
    store_a, manager, mocked, django_capture_on_commit_callbacks
):
    from orders.models import OrderItem
    from orders.services import order_recalculate_totals
    from tests.factories import ProductFactory

    order = cdek_order_ready(
        store_a,
        items=0,
        payment_method=PaymentMethod.CASH_ON_DELIVERY,
        discount_amount=Decimal("100.00"),
        delivery_cost=Decimal("350.00"),
    )
    OrderItem.objects.create(
        order=order, product=ProductFactory(), price=Decimal("1000.00"), quantity=3
    )
    OrderItem.objects.create(
        order=order, product=ProductFactory(), price=Decimal("333.33"), quantity=1
    )
    order_recalculate_totals(order=order)
    order.refresh_from_db()
    shipment = handed(order, manager, django_capture_on_commit_callbacks)
    create = mocked.post(f"{CDEK}/orders", status=202, json=cdek_order(state="ACCEPTED"))
    with django_capture_on_commit_callbacks(execute=False):
        shipment_send_to_cdek(shipment_id=shipment.pk)

    body = json.loads(create.calls[0].request.body)
    items = body["packages"][0]["items"]
    collected = sum(Decimal(str(i["payment"]["value"])) * i["amount"] for i in items)
    collected += Decimal(str(body["delivery_recipient_cost"]["value"]))
    assert collected == order.total == Decimal("3583.33")
    assert all(Decimal(str(i["payment"]["value"])) <= Decimal(str(i["cost"])) for i in items)
