"""Take the README's screenshots from a running demo (`make run`) with Debian's Chromium.

    .venv/bin/python scripts/screenshots.py [--base-url http://127.0.0.1:8000]

Writes PNG files to docs/screenshots/. Needs the `chromium` Debian package and the `playwright`
Python package (requirements-dev.txt); no browser download.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from urllib.parse import quote

from chromium import launch_chromium
from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--password", default="demo12345")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="ru-RU")

        def login(username: str) -> None:
            page.context.clear_cookies()
            page.goto(f"{args.base_url}/admin/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", args.password)
            page.click("input[type=submit]")

        def shot(name: str, url: str, full_page: bool = False) -> None:
            page.goto(f"{args.base_url}{url}")
            page.screenshot(path=str(OUT / f"{name}.png"), full_page=full_page)
            print(f"docs/screenshots/{name}.png")

        login("anna")
        shot("order-list", "/admin/orders/order/")
        page.goto(f"{args.base_url}/admin/orders/order/?status__exact=handed_to_delivery")
        page.click("#result_list tbody tr:first-child th a")
        page.set_viewport_size({"width": 1440, "height": 2300})
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(OUT / "order-change.png"))
        print("docs/screenshots/order-change.png")
        page.set_viewport_size({"width": 1440, "height": 900})
        shot("deal-list", "/admin/deals/deal/")
        shot("my-tasks", "/admin/automation/task/?state=open")
        # A deal opened by a Telegram message: the conversation and the reply form.
        page.goto(f"{args.base_url}/admin/deals/deal/?channel__exact=telegram")
        link = page.query_selector("#result_list tbody tr:first-child th a")
        if link is not None:
            page.goto(f"{args.base_url}{link.get_attribute('href')}")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(OUT / "deal-conversation.png"), full_page=True)
            print("docs/screenshots/deal-conversation.png")
        # «Заказ по звонку»: the caller found by the phone as dictated.
        page.goto(f"{args.base_url}/admin/contacts/contact/?o=-1")
        phone = page.query_selector("#result_list tbody tr:first-child td.field-phone")
        query = f"?phone={quote(phone.inner_text().strip())}" if phone else ""
        shot("phone-order", f"/admin/deals/deal/phone-order/{query}", full_page=True)
        login("lead")
        shot("admin-index", "/admin/")
        shot("overdue-orders", "/admin/orders/order/?overdue=overdue")
        shot("notifications", "/admin/automation/notification/")
        shot("triggers", "/admin/automation/trigger/")
        shot("sandbox-outbox", "/sandbox/")
        shot("assembly-documents", "/admin/fulfillment/assemblydocument/")
        shot("shipments", "/admin/fulfillment/shipment/?kind__exact=cdek&o=-6")
        shot("onec-exchange-log", "/admin/fulfillment/exchangelog/")
        shot("returns", "/admin/orders/orderreturn/")
        shot("manager-profiles", "/admin/deals/managerprofile/")
        shot("deal-assignments", "/admin/deals/dealassignment/")
        shot("store-events", "/admin/orders/storeevent/")
        shot("contact-segments", "/admin/contacts/contact/?o=-6")
        shot("overdue-dashboard", "/admin/dashboard/")
        shot("reports", "/admin/orders/reports/", full_page=True)
        shot("funnel", "/admin/orders/funnel/", full_page=True)
        shot("processing", "/admin/orders/processing/", full_page=True)
        shot("api-docs", "/api/docs/", full_page=True)
        # The demo store website's checkout: a paid CDEK order sent to the store API.
        page.goto(f"{args.base_url}/sandbox/storesite/checkout/")
        page.select_option("#id_payment", "paid")
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(OUT / "sandbox-checkout.png"), full_page=True)
        print("docs/screenshots/sandbox-checkout.png")
        # A CDEK order the sandbox has been moving: its shipment and carrier statuses.
        page.goto(f"{args.base_url}/admin/fulfillment/shipment/?kind__exact=cdek&o=-6")
        link = page.query_selector("#result_list tbody tr:first-child th a")
        if link is not None:
            page.goto(f"{args.base_url}{link.get_attribute('href')}")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(OUT / "shipment-cdek.png"), full_page=True)
            print("docs/screenshots/shipment-cdek.png")
        browser.close()


if __name__ == "__main__":
    main()
