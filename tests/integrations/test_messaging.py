from __future__ import annotations

from unittest import mock

import pytest

from integrations import messaging
from integrations.delivery import Delivery
from integrations.messaging import CHANNELS, send_message, vk_random_id


def test_vk_random_id_is_stable_per_key_and_a_positive_int32():
    first = vk_random_id("message-42")

    assert first == vk_random_id("message-42")
    assert first != vk_random_id("message-43")
    assert 0 < first <= 2**31 - 1


@pytest.mark.parametrize(
    ("channel", "target", "kwargs"),
    [
        ("sms", "smsru.send_sms", {"phone": "+79991234567", "text": "hi"}),
        ("telegram", "telegram.send_message", {"chat_id": "+79991234567", "text": "hi"}),
        ("whatsapp", "whatsapp.send_text", {"wa_id": "+79991234567", "text": "hi"}),
        ("viber", "viber.send_message", {"receiver": "+79991234567", "text": "hi"}),
        (
            "vk",
            "vk.send_message",
            {"peer_id": "+79991234567", "text": "hi", "random_id": vk_random_id("key-1")},
        ),
    ],
)
def test_it_dispatches_each_channel_to_its_client(channel, target, kwargs):
    module, function = target.split(".")
    with mock.patch.object(
        getattr(messaging, module), function, return_value=Delivery("id-1")
    ) as client:
        delivery = send_message(
            channel=channel, recipient="+79991234567", text="hi", idempotency_key="key-1"
        )

    assert delivery == Delivery("id-1")
    client.assert_called_once_with(**kwargs)


def test_every_channel_is_dispatched():
    assert set(CHANNELS) == {"sms", "telegram", "whatsapp", "viber", "vk"}


def test_it_refuses_an_unknown_channel():
    with pytest.raises(ValueError, match="unknown channel 'fax'"):
        send_message(channel="fax", recipient="1", text="hi", idempotency_key="k")


def test_it_refuses_an_empty_idempotency_key():
    with pytest.raises(ValueError, match="idempotency_key"):
        send_message(channel="sms", recipient="1", text="hi", idempotency_key="")


def test_a_vk_retry_sends_the_same_random_id(http):
    from .conftest import VK

    http.post(f"{VK}/messages.send", json={"response": 1})
    http.post(f"{VK}/messages.send", json={"response": 1})

    for _ in range(2):
        send_message(channel="vk", recipient="123", text="hi", idempotency_key="message-7")

    sent = [call.request.body for call in http.calls]
    assert sent[0] == sent[1]
    assert f"random_id={vk_random_id('message-7')}" in sent[0]
