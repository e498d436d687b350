"""The money on the order page: the payments and refunds inlines, the history of the link, the
buttons «send the link again», «new link», «invoice paid» (returns: test_returns_admin)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.messages import ERROR, SUCCESS
from django.urls import reverse

from contacts.models import Message
from deals.choices import PaymentMethod
from orders.demo_automation import TEMPLATES
from orders.models import Order, OrderTransition, Payment, PaymentStatus, Refund, Status
from orders.payments import PAYMENT_EVENTS
from orders.services import order_recalculate_totals
from tests.factories import (
    CompanyFactory,
    MessageTemplateFactory,
    OrderFactory,
    OrderItemFactory,
    PaymentFactory,
)

pytestmark = pytest.mark.django_db

ACTION_URL = re.compile(r'formaction="[^"]*/payment/([a-z-]+)/"')


@pytest.fixture
def link_template(db):
    name, text = TEMPLATES["payment_link"]
    return MessageTemplateFactory(code="payment_link", name=name, text=text)


def _change_url(order: Order) -> str:
    return reverse("admin:orders_order_change", args=[order.pk])


def _action_url(order: Order, action: str) -> str:
    return reverse("admin:orders_order_payment_action", args=[order.pk, action])


def _actions(response) -> set[str]:
    return set(ACTION_URL.findall(response.content.decode()))


def _messages(response) -> list[tuple[int, str]]:
    return [(m.level, str(m)) for m in response.context["messages"]]


@pytest.fixture
def anna(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def lead(client, team_lead):
    client.force_login(team_lead)
    return client


@pytest.fixture
def link(store_a):
    """A live link for the order's total, awaiting payment."""
    return PaymentFactory(order__store=store_a)


# --- what the page shows --------------------------------------------------------------------


def test_the_order_page_shows_its_payments_and_refunds_to_the_manager(anna, link):
    response = anna.get(_change_url(link.order))

    assert response.status_code == 200
    inlines = {inline.opts.model: inline for inline in response.context["inline_admin_formsets"]}
    assert {Payment, Refund} <= set(inlines)
    assert [form.instance for form in inlines[Payment].formset.forms] == [link]
    assert link.confirmation_url in response.content.decode()


def test_the_history_names_the_steps_of_the_payment(anna, link):
    link.order.transitions.create(
        name="payment_link_sent",
        source=Status.AWAITING_PAYMENT,
        target=Status.AWAITING_PAYMENT,
        via="system",
    )

    response = anna.get(_change_url(link.order))

    inlines = {inline.opts.model: inline for inline in response.context["inline_admin_formsets"]}
    history = inlines[OrderTransition]
    row = history.formset.forms[0].instance
    assert history.opts.action(row) == str(PAYMENT_EVENTS["payment_link_sent"])


def test_resend_is_offered_for_a_live_link_of_the_current_total(anna, link):
    assert _actions(anna.get(_change_url(link.order))) == {"resend"}


def test_a_new_link_is_offered_once_the_total_differs_from_the_link(anna, link):
    OrderItemFactory(order=link.order)
    order_recalculate_totals(order=link.order)

    assert _actions(anna.get(_change_url(link.order))) == {"new"}


def test_a_new_link_is_offered_when_the_link_expired(anna, link):
    Payment.objects.filter(pk=link.pk).update(status=Payment.Status.CANCELED)

    assert _actions(anna.get(_change_url(link.order))) == {"new"}


@pytest.mark.parametrize(
    ("status", "payment_status"),
    [(Status.NEW, PaymentStatus.UNPAID), (Status.PAID, PaymentStatus.PAID)],
)
def test_no_link_buttons_when_the_order_does_not_await_payment(
    anna, store_a, status, payment_status
):
    order = OrderFactory(store=store_a, status=status, payment_status=payment_status)

    assert _actions(anna.get(_change_url(order))) == set()


def test_the_link_buttons_are_not_shown_to_the_warehouse(client, warehouse_user, link):
    client.force_login(warehouse_user)

    assert _actions(client.get(_change_url(link.order))) == set()


@pytest.fixture
def invoice_order(store_a):
    return OrderFactory(
        store=store_a,
        status=Status.CONFIRMED,
        payment_method=PaymentMethod.INVOICE,
        company=CompanyFactory(),
    )


def test_the_invoice_button_is_shown_to_the_team_lead_on_an_unpaid_invoice_order(
    lead, invoice_order, store_a
):
    cash = OrderFactory(
        store=store_a, status=Status.CONFIRMED, payment_method=PaymentMethod.CASH_ON_DELIVERY
    )

    assert _actions(lead.get(_change_url(invoice_order))) == {"invoice-paid"}
    assert _actions(lead.get(_change_url(cash))) == set()


def test_the_invoice_button_is_not_shown_to_a_manager(anna, invoice_order):
    assert _actions(anna.get(_change_url(invoice_order))) == set()


# --- pressing them --------------------------------------------------------------------------


def test_pressing_resend_texts_the_link_again_and_says_so(anna, manager, link, link_template):
    response = anna.post(_action_url(link.order, "resend"), follow=True)

    assert response.redirect_chain[-1][0] == _change_url(link.order)
    assert [level for level, _text in _messages(response)] == [SUCCESS]
    message = Message.objects.get()
    assert link.confirmation_url in message.text
    log = link.order.transitions.get()
    assert (log.name, log.actor, log.via) == ("payment_link_resent", manager, "admin")


def test_a_refused_button_says_why_and_changes_nothing(anna, link, link_template):
    OrderItemFactory(order=link.order)
    order_recalculate_totals(order=link.order)

    response = anna.post(_action_url(link.order, "resend"), follow=True)

    assert [level for level, _text in _messages(response)] == [ERROR]
    assert not Message.objects.exists()


def test_pressing_new_link_replaces_the_link(anna, link, yoo, django_capture_on_commit_callbacks):
    yoo.add(link.provider_payment_id, amount=link.amount)
    OrderItemFactory(order=link.order)
    order_recalculate_totals(order=link.order)

    with django_capture_on_commit_callbacks():
        response = anna.post(_action_url(link.order, "new"), follow=True)

    assert [level for level, _text in _messages(response)] == [SUCCESS]
    assert link.order.live_payment.amount == Decimal("2000.00")


def test_pressing_invoice_paid_records_the_payment(lead, team_lead, invoice_order):
    response = lead.post(_action_url(invoice_order, "invoice-paid"), follow=True)

    assert [level for level, _text in _messages(response)] == [SUCCESS]
    invoice_order.refresh_from_db()
    assert invoice_order.payment_status == PaymentStatus.PAID


@pytest.mark.parametrize(
    ("who", "action"),
    [("warehouse_user", "resend"), ("warehouse_user", "new"), ("manager", "invoice-paid")],
)
def test_a_button_posted_without_the_permission_is_refused_with_403(
    request, client, link, invoice_order, who, action
):
    client.force_login(request.getfixturevalue(who))
    order = invoice_order if action == "invoice-paid" else link.order

    response = client.post(_action_url(order, action))

    assert response.status_code == 403
    assert not Message.objects.exists()
    invoice_order.refresh_from_db()
    assert invoice_order.payment_status == PaymentStatus.UNPAID
    assert link.order.payments.count() == 1


def test_a_button_of_another_stores_order_is_404(client, other_manager, link):
    client.force_login(other_manager)

    assert client.post(_action_url(link.order, "resend")).status_code == 404


def test_a_button_is_never_run_by_a_get(anna, link):
    assert anna.get(_action_url(link.order, "resend")).status_code == 405


def test_an_unknown_button_is_404(anna, link):
    assert anna.post(_action_url(link.order, "refund-everything")).status_code == 404
