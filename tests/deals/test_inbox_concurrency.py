"""Two webhook deliveries at the same moment (PostgreSQL: real transactions in threads).

The first delivery is held after it has written the contact, the message and the deal but
before it commits; the second runs into its uncommitted rows and must wait, then find them.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import pytest

from contacts.models import Contact, Message
from deals import inbox
from deals.models import Deal
from integrations.telegram.updates import parse_update
from tests.factories import StoreFactory
from tests.messenger_payloads import telegram_update
from tests.orders.test_concurrency import (
    TIMEOUT,
    _start,
    _wait_until_a_transaction_waits_for_a_lock,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hold_first_delivery(monkeypatch):
    """The delivery run by the thread named "first" stops before its commit until `release`."""
    written, release = threading.Event(), threading.Event()
    link = inbox.message_link_subject

    def message_link_subject(**kwargs):
        link(**kwargs)
        if threading.current_thread().name == "first":
            written.set()
            release.wait(TIMEOUT)

    monkeypatch.setattr(inbox, "message_link_subject", message_link_subject)
    yield written, release
    release.set()


def _run_both(first_event, second_event, hold) -> dict[str, Any]:
    written, release = hold
    results: dict[str, Any] = {}
    first = _start("first", lambda: inbox.inbox_event_process(first_event), results)
    assert written.wait(TIMEOUT), "the first delivery never wrote its rows"
    second = _start("second", lambda: inbox.inbox_event_process(second_event), results)
    try:
        _wait_until_a_transaction_waits_for_a_lock()
    finally:
        release.set()
        first.join(TIMEOUT)
        second.join(TIMEOUT)
    return results


def test_the_same_update_delivered_twice_at_once_is_stored_once(on_postgres, hold_first_delivery):
    StoreFactory(code="dom")
    event = parse_update(telegram_update(update_id=5, chat_id=555))

    results = _run_both(event, event, hold_first_delivery)

    assert results["first"].created is True
    assert results["second"].created is False
    assert results["second"].message == results["first"].message
    assert (Contact.objects.count(), Message.objects.count(), Deal.objects.count()) == (1, 1, 1)


def test_two_first_messages_of_a_new_customer_open_one_deal(on_postgres, hold_first_delivery):
    StoreFactory(code="dom")
    first_event = parse_update(telegram_update(update_id=5, chat_id=555))
    second_event = replace(first_event, event_id="6", provider_message_id="43", text="Ещё")

    results = _run_both(first_event, second_event, hold_first_delivery)

    assert results["first"].created
    assert results["second"].created
    assert Contact.objects.count() == 1
    assert Message.objects.count() == 2
    deal = Deal.objects.get()
    assert {m.object_id for m in Message.objects.all()} == {deal.pk}
