"""Telegram webhook: the secret token and reading an Update."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from integrations.errors import InvalidSignature, PermanentError
from integrations.telegram.updates import parse_update, verify
from tests.messenger_payloads import telegram_update


def test_it_accepts_the_secret_in_the_header_and_the_url():
    verify(header_secret="s3cr3t", url_secret="s3cr3t", expected="s3cr3t")


@pytest.mark.parametrize(
    ("header", "url"),
    [(None, "s3cr3t"), ("wrong", "s3cr3t"), ("s3cr3t", "wrong"), ("", ""), ("s3cr3", "s3cr3")],
)
def test_it_refuses_a_missing_or_wrong_secret(header, url):
    with pytest.raises(InvalidSignature):
        verify(header_secret=header, url_secret=url, expected="s3cr3t")


def test_it_refuses_everything_when_no_secret_is_configured():
    with pytest.raises(InvalidSignature):
        verify(header_secret="", url_secret="", expected="")


def test_it_reads_a_private_text_message():
    message = parse_update(telegram_update(update_id=7001, chat_id=555, message_id=9))

    assert message.platform == "telegram"
    assert message.event_id == "7001"
    assert message.sender_id == "555"
    assert message.sender_name == "Иван Петров"
    assert message.text == "Здравствуйте, есть ли в наличии сковорода?"
    assert message.provider_message_id == "9"
    assert message.at == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert message.phone == ""


def test_the_customers_own_contact_card_gives_their_phone():
    update = telegram_update(
        text=None,
        chat_id=555,
        contact={"phone_number": "79161234567", "first_name": "Иван", "user_id": 555},
    )

    message = parse_update(update)

    assert message.phone == "+79161234567"
    assert message.text == ""
    assert message.attachment == "contact"


def test_a_forwarded_card_of_someone_else_gives_no_phone():
    update = telegram_update(
        text=None,
        chat_id=555,
        contact={"phone_number": "+79160000000", "first_name": "Пётр", "user_id": 777},
    )

    assert parse_update(update).phone == ""


def test_a_photo_caption_is_the_text():
    update = telegram_update(text=None, photo=[{"file_id": "x"}], caption="Вот такой нужен")

    assert parse_update(update).text == "Вот такой нужен"


@pytest.mark.parametrize(
    "update",
    [
        {"update_id": 1, "edited_message": telegram_update()["message"]},
        {"update_id": 1, "callback_query": {"id": "1", "data": "x"}},
        {
            "update_id": 1,
            "message": {**telegram_update()["message"], "chat": {"id": -5, "type": "group"}},
        },
        {
            "update_id": 1,
            "message": {**telegram_update()["message"], "from": {"id": 1, "is_bot": True}},
        },
    ],
    ids=["edit", "button", "group", "bot"],
)
def test_what_is_not_a_customers_message_is_skipped(update):
    assert parse_update(update) is None


def test_an_update_without_ids_is_refused():
    with pytest.raises(PermanentError):
        parse_update({"message": telegram_update()["message"]})
    broken = telegram_update()
    del broken["message"]["date"]
    with pytest.raises(PermanentError):
        parse_update(broken)
