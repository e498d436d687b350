"""A manager of one store cannot reach another store's order from the browser: not by its
URL, not in the list, not by the customer's phone, not on the dashboard."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.factories import ContactFactory, OrderFactory

from .conftest import log_in


def test_a_manager_of_store_a_cannot_open_or_find_an_order_of_store_b(
    page, url, manager, other_manager, store_a, store_b
):
    own = OrderFactory(store=store_a, responsible=manager)
    foreign = OrderFactory(
        store=store_b, responsible=other_manager, contact=ContactFactory(phone="+79997654321")
    )

    log_in(page, url, "anna")
    for path in (
        f"/admin/orders/order/{foreign.pk}/change/",
        f"/admin/orders/order/{foreign.pk}/transition/cancel/",
        f"/admin/dashboard/?store={store_b.pk}",
    ):
        response = page.goto(url(path))
        assert response.status == 404, path
        expect(page.locator("body")).not_to_contain_text(foreign.number)

    page.goto(url("/admin/orders/order/"))
    numbers = page.locator("#result_list tbody th a")
    expect(numbers).to_have_text([own.number])

    page.fill("#searchbar", "8 999 765-43-21")
    page.press("#searchbar", "Enter")
    expect(page).to_have_url(re.compile(r"\?q=8"))
    expect(page.locator("#result_list")).to_have_count(0)
    expect(page.locator(".paginator")).to_have_text(re.compile(r"^\s*0\s+заказ"))
