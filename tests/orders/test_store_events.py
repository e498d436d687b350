"""Events for the store's website: written with the order's change, signed, sent in order,
retried with backoff, visible and resendable in the admin."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import timedelta

import pytest
import requests
import responses
import time_machine
from django.contrib.auth.models import Permission
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from automation.exceptions import TransitionNotAllowed
from integrations.sandbox import storesite as sandbox_site
from integrations.storesite.signing import signature_matches
from orders import store_events, tasks
from orders.demo_store_events import point_demo_stores_at_sandbox, sandbox_callback_url
from orders.models import Order, StoreEvent
from orders.payments import order_record_invoice_payment
from orders.services import order_cancel, order_mark_paid, order_send_payment_link
from orders.store_events import (
    BACKOFF,
    MAX_ATTEMPTS,
    store_event_deliver,
    store_events_enqueue_due,
    store_events_resend,
)
from tests.factories import OrderFactory, RefusalReasonFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db

SITE = "https://shop.test/hooks/orders"
SECRET = "s3cret-of-dom"
START = "2026-03-02 12:00:00+03:00"


@pytest.fixture
def site_store(store_a):
    store_a.callback_url = SITE
    store_a.api_secret = SECRET
    store_a.save()
    return store_a


@pytest.fixture
def queue(monkeypatch):
    """Event pks whose sending was enqueued (on commit), instead of a broker."""
    enqueued: list[int] = []
    monkeypatch.setattr(
        tasks.deliver_store_event_task,
        "delay_on_commit",
        lambda *, event_pk: enqueued.append(event_pk),
    )
    return enqueued


@pytest.fixture
def site():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def awaiting_order(store, **kwargs) -> Order:
    return OrderFactory(
        store=store,
        status=Order.Status.AWAITING_PAYMENT,
        payment_status=Order.PaymentStatus.PENDING,
        external_id=kwargs.pop("external_id", "site-1001"),
        **kwargs,
    )


def pay(order: Order) -> Order:
    return order_mark_paid(order_id=order.pk, actor=None, via="webhook")


# --- recording ----------------------------------------------------------------------------


def test_a_transition_writes_one_event_with_the_exact_payload(site_store, queue, clock):
    order = awaiting_order(site_store, number="A-1001")

    pay(order)

    event = StoreEvent.objects.get()
    assert event.store == site_store
    assert event.order == order
    assert event.type == "order.status_changed"
    assert event.state == StoreEvent.State.PENDING
    assert event.payload == {
        "event_id": str(event.event_id),
        "type": "order.status_changed",
        "sequence": 1,
        "occurred_at": "2026-03-02T12:00:00+03:00",
        "store": "dom",
        "number": "A-1001",
        "external_id": "site-1001",
        "status": "paid",
        "status_label": "Оплачен",
        "previous_status": "awaiting_payment",
        "payment_status": "paid",
        "payment_status_label": "Оплачен",
        "tracking_number": None,
    }
    assert queue == [event.pk]


def test_the_event_is_sent_only_after_the_transaction_commits(
    site_store, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(
        tasks.deliver_store_event_task, "delay", lambda *, event_pk: sent.append(event_pk)
    )
    order = awaiting_order(site_store)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        pay(order)
    assert sent == []

    for callback in callbacks:
        callback()
    assert sent == [StoreEvent.objects.get().pk]


def test_a_store_without_a_callback_url_gets_no_events(store_a, queue):
    pay(awaiting_order(store_a))

    assert not StoreEvent.objects.exists()
    assert queue == []


def test_a_refused_transition_writes_no_event(site_store, queue):
    order = OrderFactory(store=site_store, status=Order.Status.ISSUED)

    with pytest.raises(TransitionNotAllowed):
        order_send_payment_link(order_id=order.pk, actor=None)

    assert not StoreEvent.objects.exists()


def test_the_payload_is_frozen_at_the_change_and_labels_are_russian(site_store, queue):
    order = awaiting_order(site_store)
    with translation.override("en"):  # a user working in English
        pay(order)
    order_cancel(order_id=order.pk, actor=None, reason=RefusalReasonFactory(), via="admin")

    first, second = StoreEvent.objects.order_by("sequence")
    assert (first.sequence, first.payload["status"], first.payload["status_label"]) == (
        1,
        "paid",
        "Оплачен",
    )
    assert second.payload["sequence"] == 2
    assert second.payload["status_label"] == "Отменён"
    assert second.payload["previous_status"] == "paid"


def test_the_tracking_number_comes_from_the_shipment(site_store, queue, monkeypatch):
    # fulfillment registers the real source (the CDEK number); orders only asks.
    monkeypatch.setattr(store_events, "_tracking_number_source", lambda order: "1234567890")

    pay(awaiting_order(site_store))

    assert StoreEvent.objects.get().payload["tracking_number"] == "1234567890"


def test_a_payment_status_change_without_a_transition_is_an_event(site_store, queue):
    order = OrderFactory(
        store=site_store, status=Order.Status.ASSEMBLING, payment_method="invoice", items=1
    )

    order_record_invoice_payment(order_id=order.pk, actor=None)

    event = StoreEvent.objects.get()
    assert event.type == "order.payment_status_changed"
    assert event.payload["status"] == event.payload["previous_status"] == "assembling"
    assert event.payload["payment_status"] == "paid"
    assert event.payload["previous_payment_status"] == "unpaid"


# --- sending ------------------------------------------------------------------------------


def test_a_2xx_delivers_the_event_signed_with_the_store_secret(site_store, queue, site, clock):
    site.post(SITE, status=200)
    pay(awaiting_order(site_store))
    event = StoreEvent.objects.get()

    store_event_deliver(event_pk=event.pk)

    event.refresh_from_db()
    assert event.state == StoreEvent.State.DELIVERED
    assert event.delivered_at == timezone.now()
    assert (event.attempts, event.last_response_code, event.last_error) == (1, 200, "")
    request = site.calls[0].request
    assert request.headers["X-Store-Code"] == "dom"
    assert request.headers["X-Event-Id"] == str(event.event_id)
    assert signature_matches(request.body, SECRET, request.headers["X-Signature"])
    assert json.loads(request.body) == event.payload


def test_a_delivered_event_is_never_sent_again(site_store, queue, site):
    site.post(SITE, status=200)
    pay(awaiting_order(site_store))
    event = StoreEvent.objects.get()
    store_event_deliver(event_pk=event.pk)

    assert store_event_deliver(event_pk=event.pk) is None
    assert store_events_enqueue_due() == 0
    assert len(site.calls) == 1


def test_a_5xx_or_timeout_is_retried_on_the_backoff_schedule_then_failed(
    site_store, queue, site, clock
):
    site.post(SITE, status=503, body="maintenance")
    site.post(SITE, body=requests.ConnectTimeout())
    pay(awaiting_order(site_store))
    event = StoreEvent.objects.get()

    pauses = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        before = timezone.now()
        store_event_deliver(event_pk=event.pk)
        event.refresh_from_db()
        assert event.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            assert event.state == StoreEvent.State.PENDING
            pauses.append(event.next_attempt_at - before)
            # Not due before its time: neither the task nor the beat sends it early.
            assert store_event_deliver(event_pk=event.pk) is None
            clock.shift(pauses[-1])
            assert store_events_enqueue_due() == 1

    assert pauses == list(BACKOFF)
    assert event.state == StoreEvent.State.FAILED
    assert event.next_attempt_at is None
    assert event.delivered_at is None
    assert len(site.calls) == MAX_ATTEMPTS
    assert event.last_response_code in (503, None)
    assert event.last_error


def test_the_first_failure_records_the_code_and_error(site_store, queue, site):
    site.post(SITE, status=500, body="boom")
    pay(awaiting_order(site_store))
    event = StoreEvent.objects.get()

    store_event_deliver(event_pk=event.pk)

    event.refresh_from_db()
    assert (event.state, event.last_response_code) == (StoreEvent.State.PENDING, 500)
    assert "boom" in event.last_error


def test_retry_after_sets_the_next_attempt(site_store, queue, site, clock):
    site.post(SITE, status=429, headers={"Retry-After": "120"})
    pay(awaiting_order(site_store))
    event = StoreEvent.objects.get()

    store_event_deliver(event_pk=event.pk)

    event.refresh_from_db()
    assert event.next_attempt_at == timezone.now() + timedelta(seconds=120)


@pytest.mark.parametrize("status", [400, 401, 404])
def test_another_4xx_fails_at_once(site_store, queue, site, status):
    site.post(SITE, status=status, json={"error": "bad signature"})
    pay(awaiting_order(site_store))
    event = StoreEvent.objects.get()

    store_event_deliver(event_pk=event.pk)

    event.refresh_from_db()
    assert (event.state, event.attempts, event.last_response_code) == (
        StoreEvent.State.FAILED,
        1,
        status,
    )
    assert store_events_enqueue_due() == 0


def test_a_store_that_removed_its_url_fails_the_waiting_event(site_store, queue, site):
    pay(awaiting_order(site_store))
    site_store.callback_url = ""
    site_store.save()
    event = StoreEvent.objects.get()

    store_event_deliver(event_pk=event.pk)

    event.refresh_from_db()
    assert event.state == StoreEvent.State.FAILED
    assert len(site.calls) == 0


def test_a_lost_task_is_picked_up_by_the_beat(site_store, queue):
    pay(awaiting_order(site_store))
    queue.clear()  # the task never reached a worker

    assert store_events_enqueue_due() == 1
    assert queue == [StoreEvent.objects.get().pk]


def test_a_claimed_event_is_not_sent_by_a_second_worker_until_its_claim_runs_out(
    site_store, queue, clock
):
    pay(awaiting_order(site_store))
    event = StoreEvent.objects.get()

    assert store_events._claim(event.pk, now=timezone.now())
    assert not store_events._claim(event.pk, now=timezone.now())
    assert store_events_enqueue_due() == 0

    clock.shift(store_events.CLAIM)
    assert store_events_enqueue_due() == 1


# --- order of delivery --------------------------------------------------------------------


def _two_events(store) -> tuple[StoreEvent, StoreEvent]:
    order = awaiting_order(store)
    pay(order)
    order_cancel(order_id=order.pk, actor=None, reason=RefusalReasonFactory(), via="admin")
    first, second = StoreEvent.objects.order_by("sequence")
    return first, second


def test_the_next_event_of_an_order_waits_for_the_first(site_store, queue, site, clock):
    site.post(SITE, status=503)
    first, second = _two_events(site_store)
    store_event_deliver(event_pk=first.pk)  # failed once, retry in a minute

    assert store_event_deliver(event_pk=second.pk) is None
    second.refresh_from_db()
    assert (second.state, second.attempts) == (StoreEvent.State.PENDING, 0)
    # The beat offers only the first waiting event of each order.
    clock.shift(BACKOFF[0])
    queue.clear()
    assert store_events_enqueue_due() == 1
    assert queue == [first.pk]

    site.replace(responses.POST, SITE, status=200)
    store_event_deliver(event_pk=first.pk)
    # Delivering the first one sends the second one next.
    assert queue[-1] == second.pk
    store_event_deliver(event_pk=second.pk)

    bodies = [json.loads(call.request.body)["sequence"] for call in site.calls]
    assert bodies == [1, 1, 2]
    second.refresh_from_db()
    assert second.state == StoreEvent.State.DELIVERED


def test_a_failed_event_no_longer_holds_the_next_one_back(site_store, queue, site):
    site.post(SITE, status=400)
    first, second = _two_events(site_store)
    store_event_deliver(event_pk=first.pk)

    assert queue[-1] == second.pk
    site.replace(responses.POST, SITE, status=200)
    store_event_deliver(event_pk=second.pk)

    second.refresh_from_db()
    assert second.state == StoreEvent.State.DELIVERED


def test_events_of_different_orders_do_not_wait_for_each_other(site_store, queue, site):
    site.post(SITE, status=503)
    pay(awaiting_order(site_store, external_id="a"))
    pay(awaiting_order(site_store, external_id="b"))
    stuck, other = StoreEvent.objects.order_by("pk")
    store_event_deliver(event_pk=stuck.pk)

    assert store_event_deliver(event_pk=other.pk) is not None


# --- resending ----------------------------------------------------------------------------


def test_resend_puts_failed_events_back_with_a_full_set_of_attempts(site_store, queue, site):
    site.post(SITE, status=404)
    pay(awaiting_order(site_store))
    event = StoreEvent.objects.get()
    store_event_deliver(event_pk=event.pk)
    queue.clear()

    assert store_events_resend(event_pks=[event.pk]) == 1

    event.refresh_from_db()
    assert (event.state, event.attempts) == (StoreEvent.State.PENDING, 0)
    assert queue == [event.pk]
    site.replace(responses.POST, SITE, status=200)
    store_event_deliver(event_pk=event.pk)
    event.refresh_from_db()
    assert event.state == StoreEvent.State.DELIVERED
    # The same event: the site de-duplicates on its id.
    ids = {call.request.headers["X-Event-Id"] for call in site.calls}
    assert ids == {str(event.event_id)}


def test_resend_leaves_delivered_and_waiting_events_alone(site_store, queue, site):
    site.post(SITE, status=200)
    first, second = _two_events(site_store)
    store_event_deliver(event_pk=first.pk)

    assert store_events_resend(event_pks=[first.pk, second.pk]) == 0


# --- admin --------------------------------------------------------------------------------


def _events_user(store, *perms: str):
    user = UserFactory(username=f"viewer-{uuid.uuid4().hex[:6]}", is_staff=True, stores=[store])
    for codename in ("view_storeevent", "view_order", *perms):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def test_the_list_shows_only_the_users_stores(client, site_store, store_b, queue):
    store_b.callback_url = "https://sport.test/hook"
    store_b.save()
    pay(awaiting_order(site_store, number="A-1"))
    pay(awaiting_order(store_b, number="B-1", external_id="b"))
    client.force_login(_events_user(site_store))

    response = client.get(reverse("admin:orders_storeevent_changelist"))

    assert response.status_code == 200
    assert [e.order.number for e in response.context["cl"].result_list] == ["A-1"]
    other = StoreEvent.objects.get(store=store_b)
    assert client.get(reverse("admin:orders_storeevent_change", args=[other.pk])).status_code == 404


def test_the_list_is_titled_in_russian(client, site_store, queue):
    client.force_login(_events_user(site_store))

    response = client.get(reverse("admin:orders_storeevent_changelist"))

    assert "События для сайта" in response.content.decode()


@pytest.mark.parametrize("rows", [1, 6])
def test_the_list_costs_the_same_queries_for_any_number_of_events(
    client, site_store, queue, rows, django_assert_max_num_queries
):
    for n in range(rows):
        pay(awaiting_order(site_store, external_id=f"x{n}"))
    client.force_login(_events_user(site_store))

    # 13 whatever the page size: session, user, permissions, stores, the filters, one page.
    with django_assert_max_num_queries(13):
        response = client.get(reverse("admin:orders_storeevent_changelist"))

    assert len(response.context["cl"].result_list) == rows


def test_the_resend_action_sends_failed_events_again(client, site_store, queue, site):
    site.post(SITE, status=404)
    pay(awaiting_order(site_store))
    event = StoreEvent.objects.get()
    store_event_deliver(event_pk=event.pk)
    client.force_login(_events_user(site_store, "resend_storeevent"))

    response = client.post(
        reverse("admin:orders_storeevent_changelist"),
        {"action": "resend", "_selected_action": [event.pk]},
        follow=True,
    )

    event.refresh_from_db()
    assert event.state == StoreEvent.State.PENDING
    assert "будет отправлено ещё раз" in response.content.decode()


def test_the_resend_action_needs_its_permission(client, site_store, queue, site):
    client.force_login(_events_user(site_store))

    response = client.get(reverse("admin:orders_storeevent_changelist"))

    assert "Отправить ещё раз" not in response.content.decode()


def test_the_order_page_shows_its_events(client, site_store, queue, team_lead):
    order = awaiting_order(site_store)
    pay(order)
    client.force_login(team_lead)

    response = client.get(reverse("admin:orders_order_change", args=[order.pk]))

    page = response.content.decode()
    assert "События для сайта" in page
    assert "Ожидает отправки" in page


# --- the demo -----------------------------------------------------------------------------


def test_events_reach_the_sandbox_site_which_verifies_them_with_the_store_secret(
    client, site_store, queue, site, settings
):
    # The real client, the real signature, the sandbox view and the store secret lookup that
    # orders registers (orders.apps): requests to the site are handed to the test client.
    settings.ROOT_URLCONF = "tests.integrations.urls_sandbox"
    site_store.callback_url = "http://office.test/sandbox/storesite/events/"
    site_store.save()
    sandbox_site.forget_all()

    def forward(request):
        answer = client.post(
            "/sandbox/storesite/events/",
            data=request.body,
            content_type="application/json",
            headers={k: v for k, v in request.headers.items() if k.startswith("X-")},
        )
        return answer.status_code, {}, answer.content

    site.add_callback(responses.POST, site_store.callback_url, callback=forward)
    pay(awaiting_order(site_store, number="A-77"))
    event = StoreEvent.objects.get()

    store_event_deliver(event_pk=event.pk)

    event.refresh_from_db()
    assert event.state == StoreEvent.State.DELIVERED
    received = sandbox_site.received_events()
    assert [(r["store"], r["event"]["number"], r["duplicate"]) for r in received] == [
        ("dom", "A-77", False)
    ]


def test_the_demo_points_the_demo_stores_at_the_sandbox_once(db, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    stores = {
        "dom": StoreFactory(code="dom"),
        "sport": StoreFactory(code="sport", callback_url="https://sport.example/hook"),
    }

    point_demo_stores_at_sandbox(log=lambda line: None)
    point_demo_stores_at_sandbox(log=lambda line: None)

    stores["dom"].refresh_from_db()
    stores["sport"].refresh_from_db()
    assert stores["dom"].callback_url == sandbox_callback_url()
    assert sandbox_callback_url() == "http://127.0.0.1:8000/sandbox/storesite/events/"
    # One a person has set is left alone.
    assert stores["sport"].callback_url == "https://sport.example/hook"


# --- two workers at once (PostgreSQL) -----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_send_one_event_at_the_same_time(on_postgres, site_store, queue):
    """The first worker is still waiting for the site when the second one takes the same
    event (a duplicated task, the beat): the second finds it claimed and sends nothing."""
    pay(awaiting_order(site_store))
    event = StoreEvent.objects.get()
    answering, release = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def slow_site(request):
        answering.set()
        release.wait(10)
        return 200, {}, b"{}"

    def worker(name: str) -> None:
        try:
            results[name] = store_event_deliver(event_pk=event.pk)
        finally:
            connection.close()

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, SITE, callback=slow_site)
        first = threading.Thread(target=worker, args=("first",))
        first.start()
        assert answering.wait(10)
        second = threading.Thread(target=worker, args=("second",))
        second.start()
        second.join(10)
        release.set()
        first.join(10)
        calls = len(mock.calls)

    assert results["second"] is None
    assert results["first"].state == StoreEvent.State.DELIVERED
    assert calls == 1


@pytest.mark.parametrize("term", ["A-5", "{event_id}"])
def test_the_list_finds_events_by_order_number_or_event_id(client, site_store, queue, term):
    pay(awaiting_order(site_store, number="A-5"))
    pay(awaiting_order(site_store, number="B-6", external_id="other"))
    event = StoreEvent.objects.get(order__number="A-5")
    client.force_login(_events_user(site_store))

    response = client.get(
        reverse("admin:orders_storeevent_changelist"),
        {"q": term.format(event_id=event.event_id)},
    )

    assert [e.pk for e in response.context["cl"].result_list] == [event.pk]
