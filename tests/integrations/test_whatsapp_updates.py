"""WhatsApp Cloud API webhook: the handshake, X-Hub-Signature-256 and reading the events."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from integrations.errors import InvalidSignature, PermanentError
from integrations.inbound import InboundMessage, StatusUpdate
from integrations.whatsapp.updates import parse_events, sign, verify_handshake, verify_signature
from tests.messenger_payloads import body, whatsapp_event, whatsapp_status

#: An independent HMAC-SHA256 vector (key "key"): the header is "sha256=" + its hex digest.
VECTOR_BODY = b"The quick brown fox jumps over the lazy dog"
VECTOR_KEY = "key"
VECTOR_HEADER = "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"


def test_the_signature_matches_the_test_vector():
    assert sign(VECTOR_BODY, app_secret=VECTOR_KEY) == VECTOR_HEADER
    verify_signature(VECTOR_BODY, header=VECTOR_HEADER, app_secret=VECTOR_KEY)
    verify_signature(
        VECTOR_BODY, header=VECTOR_HEADER.upper().replace("SHA256", "sha256"), app_secret=VECTOR_KEY
    )


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        VECTOR_HEADER.removeprefix("sha256="),  # the hex without the scheme
        VECTOR_HEADER[:-1] + "9",
        "sha1=" + VECTOR_HEADER.removeprefix("sha256="),
    ],
)
def test_a_missing_or_wrong_signature_is_refused(header):
    with pytest.raises(InvalidSignature):
        verify_signature(VECTOR_BODY, header=header, app_secret=VECTOR_KEY)


def test_the_signature_covers_the_exact_bytes():
    raw = body(whatsapp_event())
    header = sign(raw, app_secret="test_app_secret")
    # The same JSON re-encoded with spaces is other bytes: refused.
    with pytest.raises(InvalidSignature):
        verify_signature(raw.replace(b",", b", "), header=header, app_secret="test_app_secret")
    with pytest.raises(InvalidSignature):
        verify_signature(raw, header=header, app_secret="another_secret")


def test_the_handshake_answers_the_challenge_for_our_token():
    params = {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": "tok"}

    assert verify_handshake(params, verify_token="tok") == "1158201444"


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.challenge": "1", "hub.verify_token": "other"},
        {"hub.mode": "unsubscribe", "hub.challenge": "1", "hub.verify_token": "tok"},
        {"hub.mode": "subscribe", "hub.verify_token": "tok"},
        {},
    ],
)
def test_the_handshake_refuses_anything_else(params):
    with pytest.raises(InvalidSignature):
        verify_handshake(params, verify_token="tok")


def test_it_reads_a_text_message_with_the_wa_id_as_phone():
    (message,) = parse_events(whatsapp_event(wa_id="79161234567", message_id="wamid.1"))

    assert isinstance(message, InboundMessage)
    assert message.platform == "whatsapp"
    assert message.event_id == message.provider_message_id == "wamid.1"
    assert message.sender_id == "79161234567"
    assert message.phone == "+79161234567"
    assert message.sender_name == "Мария"
    assert message.text == "Добрый день! Хочу заказать чайник"
    assert message.at == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_it_reads_every_message_of_a_batch():
    payload = whatsapp_event(message_id="wamid.1")
    value = payload["entry"][0]["changes"][0]["value"]
    value["messages"].append({**value["messages"][0], "id": "wamid.2"})

    assert [m.event_id for m in parse_events(payload)] == ["wamid.1", "wamid.2"]


@pytest.mark.parametrize(
    ("status", "delivered", "failed"),
    [
        ("sent", False, False),
        ("delivered", True, False),
        ("read", True, False),
        ("failed", False, True),
    ],
)
def test_it_reads_statuses_of_our_messages(status, delivered, failed):
    (update,) = parse_events(whatsapp_status(message_id="wamid.out", status=status))

    assert isinstance(update, StatusUpdate)
    assert update.provider_message_id == "wamid.out"
    assert (update.delivered, update.failed) == (delivered, failed)


def test_an_image_without_caption_is_an_attachment():
    payload = whatsapp_event()
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message.pop("text")
    message.update(type="image", image={"id": "media-1", "mime_type": "image/jpeg"})

    (parsed,) = parse_events(payload)

    assert (parsed.text, parsed.attachment) == ("", "image")


def test_other_envelopes_are_refused():
    with pytest.raises(PermanentError):
        parse_events({"object": "page", "entry": []})
