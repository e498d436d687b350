"""The demo's messenger conversations: one deal per customer, loaded once."""

from __future__ import annotations

import pytest

from contacts.models import Message
from deals.demo_inbox import CONVERSATIONS, seed_inbox_demo
from deals.models import Deal
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def test_it_opens_a_deal_per_customer_with_unread_messages_and_adds_nothing_the_second_time():
    StoreFactory(code="dom")
    lines: list[str] = []

    seed_inbox_demo(lines.append)
    seed_inbox_demo(lines.append)

    assert Message.objects.filter(direction="inbound", read_at__isnull=True).count() == len(
        CONVERSATIONS
    )
    assert sorted(Deal.objects.values_list("channel", flat=True)) == sorted(
        platform for platform, *_ in CONVERSATIONS
    )
    assert lines == [
        f"Messenger inbox: {len(CONVERSATIONS)} new demo message(s)",
        "Messenger inbox: 0 new demo message(s)",
    ]
