"""The team lead's «Просрочки» in the browser: an order the minute sweep flagged is listed
with its manager, and one click hands it to another manager of the store."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import time_machine
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from automation.models import StageLimit
from automation.models.limits import TimeKind
from deals.choices import PaymentMethod
from orders.models import Status
from orders.roles import MANAGER
from orders.services import order_confirm
from tests.factories import OrderFactory, UserFactory

from .conftest import log_in


def test_the_team_lead_sees_the_overdue_order_and_reassigns_it(
    page, url, manager, team_lead, store_a
):
    vera = UserFactory(username="vera", groups=[MANAGER], stores=[store_a])
    StageLimit.objects.create(
        subject="orders.order", state=Status.CONFIRMED, minutes=60, time_kind=TimeKind.CALENDAR
    )
    order = OrderFactory(
        store=store_a, responsible=manager, payment_method=PaymentMethod.CASH_ON_DELIVERY
    )
    # Confirmed three hours ago with a one-hour limit; the sweep (beat's job, or the command
    # cron runs) marks it «Просрочен» now.
    with time_machine.travel(timezone.now() - timedelta(hours=3)):
        order_confirm(order_id=order.pk, actor=manager)
    sweep_report = StringIO()
    call_command("check_overdue", stdout=sweep_report)
    assert sweep_report.getvalue().startswith("overdue 1 {'deals.deal': 0, 'orders.order': 1}")

    log_in(page, url, "lead")
    page.goto(url("/admin/dashboard/"))
    rows = page.locator("#overdue-list tbody tr.overdue-row")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row.locator("td").first).to_have_text(f"Заказ №{order.number}")
    expect(row.locator("td").nth(2)).to_have_text("Подтверждён")
    expect(row.locator("td").nth(3)).to_have_text(str(manager))
    expect(row.locator("td").nth(4)).to_contain_text("(2 ч назад)")

    row.locator("select[name=manager]").select_option(label=str(vera))
    row.locator("input[type=submit]").click()

    expect(page.locator(".messagelist .success")).to_have_text(
        f"«{order}»: теперь ответственный — {vera}."
    )
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td").nth(3)).to_have_text(str(vera))
    order.refresh_from_db()
    assert order.responsible == vera
