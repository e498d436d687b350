"""Payment links, other ways to pay, and refunds (orders.payments), with YooKassa faked in
memory (tests.factories.FakeYooKassa) and the Celery tasks run eagerly by hand."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from automation.exceptions import TransitionForbidden, TransitionNotAllowed
from automation.models import Notification
from contacts.models import Message, MessageTemplate
from deals.choices import DeliveryMethod, PaymentMethod
from integrations.errors import PermanentError, TransientError
from orders import tasks
from orders.demo_automation import TEMPLATES
from orders.exceptions import OrderError
from orders.models import Order, Payment, PaymentStatus, Refund, Status
from orders.payments import (
    order_mark_paid_on_site,
    order_new_payment_link,
    order_record_invoice_payment,
    order_refund,
    order_resend_payment_link,
    payment_open_for_order,
    payments_reconcile,
    receipt_items,
    refundable_amount,
)
from orders.services import (
    order_cancel,
    order_mark_paid,
    order_recalculate_totals,
    order_send_payment_link,
)
from tests.factories import (
    CompanyFactory,
    ContactFactory,
    MessageTemplateFactory,
    OrderFactory,
    OrderItemFactory,
    PaymentFactory,
    ProductFactory,
    RefusalReasonFactory,
    paid_order,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def link_template(db):
    name, text = TEMPLATES["payment_link"]
    return MessageTemplateFactory(code="payment_link", name=name, text=text)


@pytest.fixture
def order(store_a, manager):
    return OrderFactory(
        store=store_a, responsible=manager, contact=ContactFactory(phone="+79991234567")
    )


@pytest.fixture
def awaiting(store_a, manager):
    return OrderFactory(
        store=store_a,
        responsible=manager,
        status=Status.AWAITING_PAYMENT,
        payment_status=PaymentStatus.PENDING,
        contact=ContactFactory(phone="+79991234567"),
    )


def _history(order: Order) -> list[str]:
    return list(order.transitions.order_by("created_at", "pk").values_list("name", flat=True))


def _send(order, actor, django_capture_on_commit_callbacks) -> Payment:
    with django_capture_on_commit_callbacks(execute=True):
        order_send_payment_link(order_id=order.pk, actor=actor)
    return order.payments.get()


# --- sending the link -----------------------------------------------------------------------


def test_sending_the_link_creates_one_payment_for_the_total_and_enqueues_the_worker_on_commit(
    order, manager, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order_send_payment_link(order_id=order.pk, actor=manager)
        assert enqueued == []  # nothing before the commit

    order.refresh_from_db()
    payment = order.payments.get()
    assert (order.status, order.payment_status) == (Status.AWAITING_PAYMENT, PaymentStatus.PENDING)
    assert (payment.amount, payment.status) == (Decimal("1000.00"), Payment.Status.CREATED)
    assert payment.idempotence_key == f"order-{order.pk}-1000.00-v1"
    assert enqueued == [(tasks.create_payment_and_send_link_task, {"payment_id": payment.pk})]
    assert _history(order) == ["send_payment_link"]


def test_a_second_click_does_not_create_a_second_payment(
    order, manager, enqueued, django_capture_on_commit_callbacks
):
    payment = _send(order, manager, django_capture_on_commit_callbacks)

    with pytest.raises(TransitionNotAllowed):
        order_send_payment_link(order_id=order.pk, actor=manager)
    # The same amount asked for again (e.g. from a second code path) reuses the live payment.
    order.refresh_from_db()
    assert payment_open_for_order(order=order) == payment

    assert order.payments.count() == 1
    assert len(enqueued) == 1


def test_nothing_is_written_when_the_link_cannot_be_sent(order, manager, enqueued):
    order.payment_method = PaymentMethod.CASH_ON_DELIVERY
    order.save()

    with pytest.raises(TransitionNotAllowed):
        order_send_payment_link(order_id=order.pk, actor=manager)

    assert not Payment.objects.exists()
    assert enqueued == []


def test_the_worker_creates_the_payment_at_yookassa_and_texts_the_link(
    order, manager, yoo, link_template, enqueued, django_capture_on_commit_callbacks
):
    payment = _send(order, manager, django_capture_on_commit_callbacks)

    enqueued.run()

    payment.refresh_from_db()
    name, call = yoo.calls[0]
    assert name == "create_payment"
    assert call["amount"] == Decimal("1000.00")
    assert call["idempotence_key"] == payment.idempotence_key
    assert call["metadata"] == {"order_id": str(order.pk), "payment_id": str(payment.pk)}
    assert call["customer_phone"] == "+79991234567"
    assert sum(i.unit_price * i.quantity for i in call["receipt_items"]) == Decimal("1000.00")
    assert payment.status == Payment.Status.PENDING
    assert payment.provider_payment_id in yoo.payments
    assert payment.confirmation_url.startswith("https://yoomoney.test/checkout")
    message = Message.objects.get()
    assert message.template_code == "payment_link"
    assert message.idempotency_key == f"payment-link-{payment.pk}-0"
    assert payment.confirmation_url in message.text
    assert (payment.sent_via, payment.sent_at is not None) == ("sms", True)
    order.refresh_from_db()
    assert order.status == Status.AWAITING_PAYMENT
    assert _history(order) == ["send_payment_link", "payment_created", "payment_link_sent"]


def test_the_worker_run_twice_asks_yookassa_once_and_texts_once(
    order, manager, yoo, link_template, enqueued, django_capture_on_commit_callbacks
):
    payment = _send(order, manager, django_capture_on_commit_callbacks)

    for _ in range(2):
        tasks.create_payment_and_send_link_task.apply(kwargs={"payment_id": payment.pk})

    assert yoo.names() == ["create_payment"]
    assert Message.objects.count() == 1
    assert _history(order).count("payment_link_sent") == 1


def test_a_provider_5xx_is_retried_with_the_same_key_until_it_answers(
    order, manager, yoo, link_template, enqueued, django_capture_on_commit_callbacks
):
    yoo.errors["create_payment"] = [TransientError("yookassa HTTP 500"), TransientError("503")]
    payment = _send(order, manager, django_capture_on_commit_callbacks)

    enqueued.run()

    keys = {call["idempotence_key"] for name, call in yoo.calls if name == "create_payment"}
    assert len(yoo.calls) == 3
    assert keys == {payment.idempotence_key}
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert len(yoo.payments) == 1


def test_after_the_last_retry_the_payment_is_an_error_and_the_manager_is_notified(
    order, manager, yoo, link_template, enqueued, django_capture_on_commit_callbacks
):
    retries = tasks.create_payment_and_send_link_task.max_retries
    yoo.errors["create_payment"] = [TransientError("yookassa HTTP 500")] * (retries + 1)
    payment = _send(order, manager, django_capture_on_commit_callbacks)

    enqueued.run()

    assert len(yoo.calls) == retries + 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.ERROR
    assert "yookassa HTTP 500" in payment.error
    order.refresh_from_db()
    assert order.status == Status.AWAITING_PAYMENT
    assert _history(order)[-1] == "payment_error"
    note = Notification.objects.get(user=manager)
    assert order.number in note.text
    assert not Message.objects.exists()


def test_a_payment_yookassa_refuses_is_not_retried_and_shows_why(
    order, manager, yoo, enqueued, django_capture_on_commit_callbacks
):
    yoo.errors["create_payment"] = [PermanentError("yookassa HTTP 400 invalid_request")]
    payment = _send(order, manager, django_capture_on_commit_callbacks)

    enqueued.run()

    assert len(yoo.calls) == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.ERROR
    assert "invalid_request" in payment.error


def test_the_worker_creates_nothing_for_an_order_cancelled_meanwhile(
    order, manager, yoo, enqueued, django_capture_on_commit_callbacks
):
    payment = _send(order, manager, django_capture_on_commit_callbacks)
    order_cancel(order_id=order.pk, actor=manager, reason=RefusalReasonFactory())

    enqueued.run()

    assert yoo.calls == []
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELED


def test_the_worker_does_not_charge_an_old_total_after_the_order_was_edited(
    order, manager, yoo, enqueued, django_capture_on_commit_callbacks
):
    payment = _send(order, manager, django_capture_on_commit_callbacks)
    OrderItemFactory(order=order)
    order_recalculate_totals(order=order)

    enqueued.run()

    assert yoo.calls == []
    payment.refresh_from_db()
    assert payment.status == Payment.Status.ERROR
    assert "отправьте новую ссылку" in payment.error


def test_a_link_created_while_the_order_was_edited_is_not_texted(
    order, manager, yoo, link_template, enqueued, django_capture_on_commit_callbacks, monkeypatch
):
    # The manager adds an item while the worker waits for YooKassa: the link it gets back is
    # for the old total, and its payment would be refunded.
    from integrations.yookassa import client

    payment = _send(order, manager, django_capture_on_commit_callbacks)

    def create_while_edited(**kwargs):
        OrderItemFactory(order=order)
        order_recalculate_totals(order=order)
        return yoo.create_payment(**kwargs)

    monkeypatch.setattr(client, "create_payment", create_while_edited)

    enqueued.run()

    assert not Message.objects.exists()
    payment.refresh_from_db()
    assert (payment.status, payment.sent_at) == (Payment.Status.PENDING, None)
    assert "отправьте новую ссылку" in payment.error
    assert Notification.objects.filter(user=manager).exists()


def test_a_link_that_cannot_reach_the_customer_is_recorded_and_the_manager_told(
    order, manager, yoo, enqueued, django_capture_on_commit_callbacks
):
    # The «payment_link» template deleted: the payment exists at YooKassa, no text can be made.
    MessageTemplate.objects.filter(code="payment_link").delete()
    payment = _send(order, manager, django_capture_on_commit_callbacks)

    enqueued.run()

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert "payment_link" in payment.error
    assert Notification.objects.filter(user=manager).exists()


def test_the_message_placeholder_carries_the_live_payment_link(order):
    payment = PaymentFactory(order=order)

    assert order.message_context()["payment_link"] == payment.confirmation_url

    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.CANCELED)
    assert order.message_context()["payment_link"] == ""


def test_the_message_placeholder_has_no_link_for_a_total_since_edited(order):
    # A reminder says «order … for {total} awaits payment. {payment_link}»: the old link
    # would take the old total, and that payment is refunded. Until the new link: none.
    PaymentFactory(order=order)
    OrderItemFactory(order=order, price=Decimal("500.00"))
    order_recalculate_totals(order=order)
    order.refresh_from_db()

    assert order.message_context()["payment_link"] == ""


def test_the_receipt_spreads_the_order_discount_over_the_lines_and_adds_the_delivery(store_a):
    order = OrderFactory(
        store=store_a,
        items=0,
        discount_amount=Decimal("100.00"),
        delivery_cost=Decimal("350.00"),
    )
    OrderItemFactory(order=order, price=Decimal("333.33"), quantity=3)
    OrderItemFactory(order=order, product=ProductFactory(vat_rate="10"), price=Decimal("500.00"))
    order_recalculate_totals(order=order)
    order.refresh_from_db()

    items = receipt_items(order)

    assert sum(i.unit_price * i.quantity for i in items) == order.total == Decimal("1749.99")
    assert items[-1].unit_price == Decimal("350.00")  # the delivery
    assert {i.vat_code for i in items[:-1]} == {11, 3}  # 22 % and 10 %
    for item in items:
        assert item.unit_price == item.unit_price.quantize(Decimal("0.01"))


# --- sending it again, or a new one ---------------------------------------------------------


def test_resending_texts_the_same_link_again_with_a_new_key_and_a_history_entry(
    awaiting, manager, link_template
):
    order = awaiting
    payment = PaymentFactory(order=order)

    order_resend_payment_link(order_id=order.pk, actor=manager)
    order_resend_payment_link(order_id=order.pk, actor=manager)

    keys = list(Message.objects.order_by("pk").values_list("idempotency_key", flat=True))
    assert keys == [f"payment-link-{payment.pk}-1", f"payment-link-{payment.pk}-2"]
    assert all(payment.confirmation_url in m.text for m in Message.objects.all())
    payment.refresh_from_db()
    assert payment.resent_count == 2
    log = order.transitions.last()
    assert (log.name, log.actor, log.source, log.target) == (
        "payment_link_resent",
        manager,
        Status.AWAITING_PAYMENT,
        Status.AWAITING_PAYMENT,
    )


def test_resending_is_refused_once_the_total_has_changed(awaiting, manager, link_template):
    order = awaiting
    PaymentFactory(order=order)
    OrderItemFactory(order=order)
    order_recalculate_totals(order=order)

    with pytest.raises(OrderError, match="отправьте новую ссылку"):
        order_resend_payment_link(order_id=order.pk, actor=manager)

    assert not Message.objects.exists()


def test_resending_needs_the_permission_to_send_links(awaiting, warehouse_user, link_template):
    order = awaiting
    PaymentFactory(order=order)

    with pytest.raises(TransitionForbidden):
        order_resend_payment_link(order_id=order.pk, actor=warehouse_user)

    assert not Message.objects.exists()


def test_a_new_link_after_an_edit_cancels_the_old_payment_and_asks_for_the_new_total(
    awaiting, manager, yoo, enqueued, django_capture_on_commit_callbacks
):
    order = awaiting
    old = PaymentFactory(order=order)
    yoo.add(old.provider_payment_id, amount=old.amount)
    OrderItemFactory(order=order, price=Decimal("500.00"))
    order_recalculate_totals(order=order)

    with django_capture_on_commit_callbacks(execute=True):
        new = order_new_payment_link(order_id=order.pk, actor=manager)

    assert yoo.names() == ["cancel_payment", "get_payment"]  # a pending one cannot be cancelled
    old.refresh_from_db()
    assert (old.status, old.cancellation_reason) == (
        Payment.Status.CANCELED,
        "replaced_by_new_link",
    )
    assert (new.amount, new.status) == (Decimal("1500.00"), Payment.Status.CREATED)
    assert new.idempotence_key == f"order-{order.pk}-1500.00-v1"
    assert order.live_payment == new
    assert enqueued == [(tasks.create_payment_and_send_link_task, {"payment_id": new.pk})]
    assert _history(order) == ["payment_canceled"]
    assert order.transitions.get().actor == manager


def test_an_old_link_paid_meanwhile_for_the_old_total_is_refunded_and_a_new_link_goes_out(
    awaiting, manager, yoo, enqueued, django_capture_on_commit_callbacks
):
    order = awaiting
    old = PaymentFactory(order=order)
    yoo.add(old.provider_payment_id, amount=old.amount, status="succeeded")
    OrderItemFactory(order=order)
    order_recalculate_totals(order=order)

    with django_capture_on_commit_callbacks(execute=True):
        new = order_new_payment_link(order_id=order.pk, actor=manager)

    order.refresh_from_db()
    assert (order.status, order.payment_status) == (Status.AWAITING_PAYMENT, PaymentStatus.PENDING)
    old.refresh_from_db()
    assert (old.status, old.applied_to_order) == (Payment.Status.SUCCEEDED, False)
    refund = Refund.objects.get()
    assert (refund.payment, refund.amount) == (old, old.amount)
    assert (new.amount, new.status) == (order.total, Payment.Status.CREATED)
    assert enqueued == [
        (tasks.send_refund_task, {"refund_id": refund.pk}),
        (tasks.create_payment_and_send_link_task, {"payment_id": new.pk}),
    ]


def test_a_new_link_for_an_unchanged_total_is_refused(awaiting, manager, yoo):
    order = awaiting
    PaymentFactory(order=order)

    with pytest.raises(OrderError, match="отправьте её ещё раз"):
        order_new_payment_link(order_id=order.pk, actor=manager)

    assert yoo.calls == []


def test_a_new_link_replaces_an_expired_one_for_the_same_amount(awaiting, manager, yoo, enqueued):
    order = awaiting
    PaymentFactory(order=order, status=Payment.Status.CANCELED, idempotence_key="x")

    new = order_new_payment_link(order_id=order.pk, actor=manager)

    assert new.idempotence_key == f"order-{order.pk}-1000.00-v2"


# --- other ways to pay ----------------------------------------------------------------------


def test_a_payment_on_the_website_makes_the_order_paid_once_yookassa_confirms_it(
    store_a, manager, yoo
):
    order = OrderFactory(store=store_a, payment_method=PaymentMethod.ONLINE_ON_SITE)
    yoo.add("site-pay-1", amount=Decimal("1000.00"), status="succeeded")

    order_mark_paid_on_site(
        order_id=order.pk, amount=Decimal("1000.00"), provider_payment_id="site-pay-1"
    )
    order_mark_paid_on_site(  # the site reports it twice
        order_id=order.pk, amount=Decimal("1000.00"), provider_payment_id="site-pay-1"
    )

    order.refresh_from_db()
    assert (order.status, order.payment_status) == (Status.PAID, PaymentStatus.PAID)
    payment = order.payments.get()
    assert (payment.status, payment.applied_to_order) == (Payment.Status.SUCCEEDED, True)
    assert _history(order) == ["send_payment_link", "payment_paid", "mark_paid"]
    assert refundable_amount(order) == Decimal("1000.00")


@pytest.mark.parametrize(
    ("reported", "at_yookassa", "status"),
    [
        (Decimal("900.00"), Decimal("900.00"), "succeeded"),
        (Decimal("1000.00"), Decimal("900.00"), "succeeded"),
        (Decimal("1000.00"), Decimal("1000.00"), "pending"),
    ],
)
def test_a_payment_on_the_website_is_refused_unless_yookassa_confirms_the_total(
    store_a, yoo, reported, at_yookassa, status
):
    order = OrderFactory(store=store_a, payment_method=PaymentMethod.ONLINE_ON_SITE)
    yoo.add("site-pay-2", amount=at_yookassa, status=status)

    with pytest.raises(OrderError):
        order_mark_paid_on_site(
            order_id=order.pk, amount=reported, provider_payment_id="site-pay-2"
        )

    order.refresh_from_db()
    assert (order.status, order.payment_status) == (Status.NEW, PaymentStatus.UNPAID)
    assert not order.payments.exists()


@pytest.fixture
def invoice_order(store_a):
    return OrderFactory(
        store=store_a,
        status=Status.CONFIRMED,
        payment_method=PaymentMethod.INVOICE,
        company=CompanyFactory(),
    )


def test_an_invoice_payment_is_recorded_by_hand_with_the_permission(invoice_order, team_lead):
    order_record_invoice_payment(order_id=invoice_order.pk, actor=team_lead)

    invoice_order.refresh_from_db()
    assert invoice_order.payment_status == PaymentStatus.PAID
    assert invoice_order.paid_at is not None
    assert invoice_order.status == Status.CONFIRMED  # not a transition
    log = invoice_order.transitions.get()
    assert (log.name, log.actor) == ("invoice_paid", team_lead)


def test_an_invoice_payment_needs_the_mark_paid_permission(invoice_order, manager):
    with pytest.raises(TransitionForbidden):
        order_record_invoice_payment(order_id=invoice_order.pk, actor=manager)

    invoice_order.refresh_from_db()
    assert invoice_order.payment_status == PaymentStatus.UNPAID
    assert not invoice_order.transitions.exists()


@pytest.mark.parametrize(
    ("method", "payment_status"),
    [
        (PaymentMethod.CASH_ON_DELIVERY, PaymentStatus.UNPAID),
        (PaymentMethod.INVOICE, PaymentStatus.PAID),
    ],
)
def test_only_an_unpaid_invoice_order_is_marked_paid_this_way(
    store_a, team_lead, method, payment_status
):
    order = OrderFactory(
        store=store_a, status=Status.CONFIRMED, payment_method=method, payment_status=payment_status
    )

    with pytest.raises(OrderError):
        order_record_invoice_payment(order_id=order.pk, actor=team_lead)


# --- refunds --------------------------------------------------------------------------------


def test_cancelling_a_paid_order_refunds_what_was_paid_in_full(
    store_a, team_lead, yoo, enqueued, django_capture_on_commit_callbacks
):
    order = paid_order(store=store_a)
    payment = order.payments.get()
    yoo.add(payment.provider_payment_id, amount=payment.amount, status="succeeded")

    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order_id=order.pk, actor=team_lead, reason=RefusalReasonFactory())
    refund = order.refunds.get()
    assert (refund.amount, refund.status, refund.payment) == (
        Decimal("1000.00"),
        Refund.Status.PENDING,
        payment,
    )
    assert enqueued == [(tasks.send_refund_task, {"refund_id": refund.pk})]
    enqueued.run()

    name, call = yoo.calls[-1]
    assert (name, call["payment_id"], call["amount"]) == (
        "create_refund",
        payment.provider_payment_id,
        Decimal("1000.00"),
    )
    assert call["idempotence_key"] == refund.idempotence_key
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    order.refresh_from_db()
    assert (order.status, order.payment_status) == (Status.CANCELLED, PaymentStatus.REFUNDED)
    assert _history(order) == ["cancel", "refund_requested", "refund_succeeded"]


def test_cancelling_an_order_awaiting_payment_cancels_its_link(awaiting, manager, enqueued):
    order = awaiting
    payment = PaymentFactory(order=order)

    order_cancel(order_id=order.pk, actor=manager, reason=RefusalReasonFactory())

    payment.refresh_from_db()
    assert (payment.status, payment.cancellation_reason) == (
        Payment.Status.CANCELED,
        "order_cancelled",
    )
    assert not Refund.objects.exists()
    assert _history(order) == ["cancel"]


def test_cancelling_an_order_paid_by_invoice_asks_the_team_lead_to_refund_by_hand(
    store_a, team_lead, enqueued
):
    order = OrderFactory(
        store=store_a,
        status=Status.CONFIRMED,
        payment_method=PaymentMethod.INVOICE,
        payment_status=PaymentStatus.PAID,
    )

    order_cancel(order_id=order.pk, actor=team_lead, reason=RefusalReasonFactory())

    assert not Refund.objects.exists()
    assert "верните деньги вручную" in Notification.objects.get(user=team_lead).text


@pytest.fixture
def return_requested(store_a):
    order = paid_order(
        store=store_a, status=Status.RETURN_REQUESTED, delivery_method=DeliveryMethod.COURIER
    )
    return order


def test_a_refund_counts_refunds_in_progress_as_taken(return_requested, team_lead, enqueued):
    order_refund(
        order_id=return_requested.pk, amount=Decimal("600.00"), actor=team_lead, reason="Брак"
    )

    with pytest.raises(OrderError):
        order_refund(
            order_id=return_requested.pk, amount=Decimal("500.00"), actor=team_lead, reason="x"
        )
    assert refundable_amount(return_requested) == Decimal("400.00")


def test_a_refund_needs_the_team_leads_permission(return_requested, manager, store_a):
    with pytest.raises(TransitionForbidden):
        order_refund(
            order_id=return_requested.pk, amount=Decimal("100.00"), actor=manager, reason="x"
        )

    assert not Refund.objects.exists()


# --- marked paid by hand, and what a lost task or notification left -----------------------


def test_marking_paid_by_hand_cancels_the_live_link(awaiting, team_lead):
    payment = PaymentFactory(order=awaiting)

    order_mark_paid(order_id=awaiting.pk, actor=team_lead)

    payment.refresh_from_db()
    assert (payment.status, payment.cancellation_reason) == (
        Payment.Status.CANCELED,
        "order_paid_otherwise",
    )
    awaiting.refresh_from_db()
    assert awaiting.payment_status == PaymentStatus.PAID
    assert refundable_amount(awaiting) == 0  # the money did not come through YooKassa


def test_the_reconciliation_applies_a_missed_expiry_and_requeues_a_lost_task(
    awaiting, store_a, yoo, enqueued
):
    old = timezone.now() - timedelta(hours=1)
    expired = PaymentFactory(order=awaiting, created_at=old)
    yoo.add(expired.provider_payment_id, amount=expired.amount)
    yoo.expire(expired.provider_payment_id)
    lost = PaymentFactory(
        order__store=store_a, status=Payment.Status.CREATED, provider_payment_id=None,
        confirmation_url="", created_at=old,
    )  # fmt: skip
    fresh = PaymentFactory(order__store=store_a, status=Payment.Status.CREATED,
                           provider_payment_id=None, confirmation_url="")  # fmt: skip

    result = payments_reconcile()

    assert (result.requeued, result.synced, result.failed) == (1, 1, 0)
    assert enqueued == [(tasks.create_payment_and_send_link_task, {"payment_id": lost.pk})]
    assert fresh.pk not in [kwargs["payment_id"] for _task, kwargs in enqueued]
    expired.refresh_from_db()
    assert expired.status == Payment.Status.CANCELED
    log = awaiting.transitions.get()
    assert (log.name, log.via) == ("payment_expired", "beat")
