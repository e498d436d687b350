"""The payment link end to end: the manager sends it, the fake SMS.ru carries it, the customer
pays on the fake YooKassa page, YooKassa's notification reaches our webhook, the order is paid."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from automation.models import Via
from orders.models import PaymentStatus, Status
from tests.factories import ContactFactory, MessageTemplateFactory, OrderFactory

from .conftest import log_in

PAY_LINK = re.compile(r"http://\S+/sandbox/yookassa/pay/[\w-]+/")


def test_the_customer_pays_by_the_texted_link_and_the_order_turns_paid(
    page, new_context, url, manager, store_a
):
    order = OrderFactory(
        store=store_a, responsible=manager, contact=ContactFactory(phone="+79123456789"), items=2
    )
    MessageTemplateFactory(
        code="payment_link", text="Заказ №{order_number} на {total} ₽. Оплатить: {payment_link}"
    )
    change_page = url(f"/admin/orders/order/{order.pk}/change/")

    log_in(page, url, "anna")
    page.goto(change_page)
    page.click("button[name=_fsm_transition_to][value=send_payment_link]")

    expect(page).to_have_url(change_page)
    expect(page.locator(".messagelist .success")).to_have_text(
        "Готово: «Отправить ссылку на оплату»."
    )
    expect(page.locator(".fieldBox.field-status .readonly")).to_have_text("Ожидает оплаты")
    payment = page.locator("#payments-group tbody tr").first
    expect(payment.locator("td.field-status")).to_have_text("ожидает оплаты")
    expect(payment.locator("td.field-sent")).to_contain_text("SMS")

    # The SMS in the sandbox outbox, as the customer's phone would show it.
    page.goto(url("/sandbox/"))
    sms = page.locator("tbody tr", has_text="+79123456789").first
    text = sms.locator("td.text").inner_text()
    assert text.startswith(f"Заказ №{order.number} на 2000,00 ₽. Оплатить: ")
    link = PAY_LINK.search(text).group()

    customer = new_context().new_page()
    customer.goto(link)
    expect(customer.locator(".total .amount")).to_have_text("2000,00")
    customer.click("button.pay")
    # After paying, YooKassa sends the buyer back to the shop: our site, behind its login.
    expect(customer).to_have_url(re.compile(r"/admin/login/"))
    customer.goto(link)
    expect(customer.locator(".state.succeeded")).to_be_visible()

    page.goto(change_page)
    expect(page.locator(".fieldBox.field-status .readonly")).to_have_text("Оплачен")
    expect(page.locator(".fieldBox.field-payment_status .readonly")).to_have_text("Оплачен")
    latest = page.locator("#transitions-group tbody tr").first
    expect(latest.locator("td.field-target_label")).to_have_text("Оплачен")
    order.refresh_from_db()
    assert (order.status, order.payment_status) == (Status.PAID, PaymentStatus.PAID)
    # Paid by YooKassa's notification, not by anyone's hand.
    assert order.transitions.get(name="mark_paid").via == Via.WEBHOOK
