"""contacts.inbox: who wrote, storing each incoming message once, read marks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contacts.inbox import message_receive, messages_mark_read
from contacts.models import Contact, Message
from contacts.services import contact_get_or_create
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _receive(**kwargs) -> tuple[Message, bool]:
    defaults = {
        "channel": "telegram",
        "event_id": "1001",
        "sender_id": "555",
        "sender_name": "Иван Петров",
        "text": "Здравствуйте!",
        "at": AT,
        "provider_message_id": "42",
    }
    return message_receive(**{**defaults, **kwargs})


def test_a_first_message_creates_the_contact_and_an_unread_inbound_message():
    message, created = _receive()

    assert created
    contact = message.contact
    assert (contact.full_name, contact.telegram_id, contact.phone) == ("Иван Петров", "555", "")
    assert message.direction == Message.Direction.INBOUND
    assert message.status == Message.Status.DELIVERED
    assert (message.channel, message.recipient, message.text) == (
        "telegram",
        "555",
        "Здравствуйте!",
    )
    assert message.provider_message_id == "42"
    assert message.idempotency_key == "in:telegram:1001"
    assert message.delivered_at == AT
    assert message.read_at is None


def test_the_contact_is_found_by_messenger_id_first():
    known = ContactFactory(telegram_id="555", phone="+79160000001")
    ContactFactory(phone="+79161234567")

    message, _ = _receive(phone="+79161234567")

    assert message.contact == known


def test_the_contact_is_found_by_phone_and_gets_the_messenger_id():
    known = ContactFactory(phone="+79161234567", full_name="Мария Иванова")

    message, _ = _receive(
        channel="whatsapp", sender_id="79161234567", phone="+79161234567", sender_name="Маша"
    )

    assert message.contact == known
    known.refresh_from_db()
    assert known.whatsapp_id == "79161234567"
    assert known.full_name == "Мария Иванова"  # the manager's spelling stays


def test_the_same_phone_from_whatsapp_and_the_website_is_one_contact():
    message, _ = _receive(channel="whatsapp", sender_id="79161234567", phone="+79161234567")
    from_site, created = contact_get_or_create(phone="8 (916) 123-45-67", email="m@example.ru")

    assert not created
    assert from_site == message.contact
    assert Contact.objects.count() == 1


def test_a_repeated_event_writes_nothing():
    first, created_first = _receive()
    again, created_again = _receive(text="другой текст")

    assert (created_first, created_again) == (True, False)
    assert again == first
    assert Message.objects.count() == 1
    assert Contact.objects.count() == 1


def test_the_same_event_id_on_another_channel_is_another_message():
    _receive(channel="telegram", event_id="1")
    _receive(channel="vk", event_id="1", sender_id="777")

    assert Message.objects.count() == 2


def test_a_phone_that_is_not_a_number_is_ignored_not_the_message():
    message, created = _receive(phone="+1")

    assert created
    assert message.contact.phone == ""


def test_a_message_without_text_says_what_came():
    message, _ = _receive(text="", attachment="photo")

    assert message.text == "[фото]"


def test_sms_is_not_an_inbox_channel():
    with pytest.raises(ValueError, match="not a messenger channel"):
        _receive(channel="sms")


def test_marking_read_touches_only_the_contacts_unread_inbound_messages():
    mine, _ = _receive(event_id="1")
    other, _ = _receive(event_id="2", sender_id="999")

    assert messages_mark_read(messages=mine.contact.messages.all()) == 1
    assert messages_mark_read(messages=mine.contact.messages.all()) == 0
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.read_at is not None
    assert other.read_at is None
