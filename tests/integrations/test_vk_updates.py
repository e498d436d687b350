"""VK Callback API: the confirmation, the secret and reading message_new."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from integrations.errors import InvalidSignature, PermanentError
from integrations.vk.updates import is_confirmation, parse_event, verify, verify_confirmation
from tests.messenger_payloads import vk_message_new


def test_the_documented_confirmation_is_recognised_and_accepted():
    payload = {"type": "confirmation", "group_id": 229876543}

    assert is_confirmation(payload)
    verify_confirmation(payload, group_id="229876543", secret="s")
    verify_confirmation(payload, group_id="", secret="s")


def test_a_confirmation_for_another_community_is_refused():
    with pytest.raises(InvalidSignature):
        verify_confirmation({"type": "confirmation", "group_id": 1}, group_id="2", secret="s")


def test_the_secret_must_match():
    verify(vk_message_new(secret="s"), secret="s")
    with pytest.raises(InvalidSignature):
        verify(vk_message_new(secret="wrong"), secret="s")
    payload = vk_message_new()
    del payload["secret"]
    with pytest.raises(InvalidSignature):
        verify(payload, secret="s")


def test_it_reads_a_private_message():
    message = parse_event(vk_message_new(event_id="abc", from_id=567890, message_id=301))

    assert message.platform == "vk"
    assert message.event_id == "abc"
    assert message.sender_id == "567890"
    assert message.provider_message_id == "301"
    assert message.text == "Привет! Сколько стоит доставка?"
    assert message.at == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_it_reads_the_old_shape_without_object_message():
    payload = vk_message_new()
    payload["object"] = payload["object"]["message"]

    assert parse_event(payload).sender_id == "567890"


@pytest.mark.parametrize(
    "change",
    [
        {"type": "message_reply"},
        {"type": "group_join"},
    ],
)
def test_other_events_are_skipped(change):
    assert parse_event({**vk_message_new(), **change}) is None


def test_our_own_messages_and_group_chats_are_skipped():
    own = vk_message_new()
    own["object"]["message"]["out"] = 1
    chat = vk_message_new()
    chat["object"]["message"]["peer_id"] = 2000000001

    assert parse_event(own) is None
    assert parse_event(chat) is None


def test_an_event_without_event_id_is_refused():
    payload = vk_message_new()
    del payload["event_id"]
    with pytest.raises(PermanentError):
        parse_event(payload)
