"""A manager at work in the browser: finds an order by the phone as the customer dictates it,
sees the buttons of its status and her role, and cancels it with a reason."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from orders.models import Status
from tests.factories import ContactFactory, OrderFactory, RefusalReasonFactory

from .conftest import log_in


def transition_buttons(page: Page) -> set[str]:
    buttons = page.locator("button[name=_fsm_transition_to]")
    return {buttons.nth(i).get_attribute("value") for i in range(buttons.count())}


def test_a_manager_finds_the_order_by_phone_and_cancels_it_with_a_reason(
    page, url, manager, store_a
):
    order = OrderFactory(
        store=store_a, responsible=manager, contact=ContactFactory(phone="+79123456789")
    )
    OrderFactory(store=store_a, contact=ContactFactory(phone="+79120000000"))
    RefusalReasonFactory(code="found_cheaper", name="Нашёл дешевле")
    RefusalReasonFactory(code="changed_mind", name="Передумал")

    log_in(page, url, "anna")
    page.goto(url("/admin/orders/order/"))
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    page.fill("#searchbar", "8 (912) 345-67-89")
    page.press("#searchbar", "Enter")

    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("th a")).to_have_text(order.number)
    rows.first.locator("th a").click()

    expect(page.locator(".fieldBox.field-status .readonly")).to_have_text("Новый")
    assert transition_buttons(page) == {"send_payment_link", "cancel"}

    page.click("button[name=_fsm_transition_to][value=cancel]")
    expect(page).to_have_url(url(f"/admin/orders/order/{order.pk}/transition/cancel/"))
    page.select_option("#id_reason", label="Нашёл дешевле")
    page.fill("#id_comment", "Нашёл на маркетплейсе")
    page.click("form input[type=submit]")

    expect(page).to_have_url(url(f"/admin/orders/order/{order.pk}/change/"))
    expect(page.locator(".messagelist .success")).to_have_text("Готово: «Отменить заказ».")
    expect(page.locator(".fieldBox.field-status .readonly")).to_have_text("Отменён")
    assert transition_buttons(page) == set()
    latest = page.locator("#transitions-group tbody tr").first
    expect(latest.locator("td.field-target_label")).to_have_text("Отменён")
    expect(latest.locator("td.field-reason")).to_have_text("Нашёл дешевле")
    expect(latest.locator("td.field-comment")).to_have_text("Нашёл на маркетплейсе")
    order.refresh_from_db()
    assert (order.status, order.cancel_reason.code) == (Status.CANCELLED, "found_cheaper")
