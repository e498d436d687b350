"""Viber callbacks: X-Viber-Content-Signature and reading the events."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from integrations.errors import InvalidSignature, PermanentError
from integrations.inbound import InboundMessage, StatusUpdate
from integrations.viber.updates import parse_event, sign, verify_signature
from tests.messenger_payloads import body, viber_message

#: An independent HMAC-SHA256 vector (key "key"); Viber sends the bare hex digest.
VECTOR_BODY = b"The quick brown fox jumps over the lazy dog"
VECTOR_SIGNATURE = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"


def test_the_signature_matches_the_test_vector():
    assert sign(VECTOR_BODY, auth_token="key") == VECTOR_SIGNATURE
    verify_signature(VECTOR_BODY, header=VECTOR_SIGNATURE, auth_token="key")


@pytest.mark.parametrize(
    "header", [None, "", VECTOR_SIGNATURE[:-1] + "9", "sha256=" + VECTOR_SIGNATURE]
)
def test_a_missing_or_wrong_signature_is_refused(header):
    with pytest.raises(InvalidSignature):
        verify_signature(VECTOR_BODY, header=header, auth_token="key")


def test_the_signature_covers_the_exact_bytes_with_the_auth_token():
    raw = body(viber_message())
    signature = sign(raw, auth_token="test_viber_auth_token")

    verify_signature(raw, header=signature, auth_token="test_viber_auth_token")
    with pytest.raises(InvalidSignature):
        verify_signature(raw + b" ", header=signature, auth_token="test_viber_auth_token")
    with pytest.raises(InvalidSignature):
        verify_signature(raw, header=signature, auth_token="other")


def test_it_reads_a_text_message_keeping_the_64_bit_token_exact():
    raw = body(viber_message(token=4912661846655238145, user_id="01234567890A="))
    (message,) = parse_event(json.loads(raw))

    assert isinstance(message, InboundMessage)
    assert message.event_id == message.provider_message_id == "4912661846655238145"
    assert message.sender_id == "01234567890A="
    assert message.sender_name == "Ольга"
    assert message.text == "Здравствуйте, заказ ещё не пришёл"
    assert message.at == datetime(2026, 3, 1, 12, 0, 0, 123000, tzinfo=UTC)


def test_a_shared_contact_gives_the_phone():
    payload = viber_message()
    payload["message"] = {
        "type": "contact",
        "contact": {"name": "Ольга", "phone_number": "79161234567"},
    }

    (message,) = parse_event(payload)

    assert message.phone == "+79161234567"
    assert message.attachment == "contact"


@pytest.mark.parametrize(
    ("event", "delivered", "failed"),
    [("delivered", True, False), ("seen", True, False), ("failed", False, True)],
)
def test_it_reads_the_statuses_of_our_messages(event, delivered, failed):
    (status,) = parse_event(
        {
            "event": event,
            "timestamp": 1772366400000,
            "message_token": 5,
            "user_id": "u",
            "desc": "x",
        }
    )

    assert isinstance(status, StatusUpdate)
    assert status.provider_message_id == "5"
    assert (status.delivered, status.failed) == (delivered, failed)


@pytest.mark.parametrize("event", ["webhook", "subscribed", "unsubscribed", "conversation_started"])
def test_other_events_carry_nothing_for_the_inbox(event):
    assert parse_event({"event": event, "timestamp": 1772366400000, "message_token": 1}) == []


def test_a_callback_without_event_or_timestamp_is_refused():
    with pytest.raises(PermanentError):
        parse_event({"timestamp": 1})
    with pytest.raises(PermanentError):
        parse_event({"event": "message"})
