from __future__ import annotations

import json

import pytest
import requests

from integrations.delivery import Delivery
from integrations.errors import PermanentError, TransientError
from integrations.telegram.client import send_message

from .conftest import TELEGRAM, sample

SEND = f"{TELEGRAM}/bot123456:test-token/sendMessage"


def test_it_returns_the_message_id_of_the_documented_answer(http):
    http.post(SEND, json=sample("telegram_send_message_response.json"))

    assert send_message(chat_id="461699897", text="Строковое значение") == Delivery("18399")


def test_it_posts_json_with_a_numeric_chat_id(http):
    http.post(SEND, json=sample("telegram_send_message_response.json"))

    send_message(chat_id="461699897", text="Строковое значение")

    request = http.calls[0].request
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == {"chat_id": 461699897, "text": "Строковое значение"}


def test_it_keeps_a_channel_username_as_a_string(http):
    http.post(SEND, json=sample("telegram_send_message_response.json"))

    send_message(chat_id="@orders_channel", text="hi")

    assert json.loads(http.calls[0].request.body)["chat_id"] == "@orders_channel"


def test_it_raises_transient_with_telegrams_retry_after_on_429(http):
    http.post(SEND, status=429, json=sample("telegram_error_429.json"))

    with pytest.raises(TransientError, match="Too Many Requests") as caught:
        send_message(chat_id="1", text="hi")

    assert caught.value.retry_after == 5


def test_it_raises_permanent_with_the_description_on_400(http):
    http.post(SEND, status=400, json=sample("telegram_error_400_chat_not_found.json"))

    with pytest.raises(PermanentError, match="telegram HTTP 400: Bad Request: chat not found"):
        send_message(chat_id="1", text="hi")


def test_it_raises_permanent_when_the_bot_is_blocked(http):
    body = {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
    http.post(SEND, status=403, json=body)

    with pytest.raises(PermanentError, match="bot was blocked"):
        send_message(chat_id="1", text="hi")


@pytest.mark.parametrize("status", [500, 502])
def test_it_raises_transient_on_5xx(http, status):
    http.post(SEND, status=status, body="<html>Bad Gateway</html>")

    with pytest.raises(TransientError):
        send_message(chat_id="1", text="hi")


def test_it_raises_transient_on_connection_error_without_the_token(http):
    http.post(SEND, body=requests.exceptions.ConnectionError(f"Max retries exceeded: {SEND}"))

    with pytest.raises(TransientError) as caught:
        send_message(chat_id="1", text="hi")

    assert "test-token" not in str(caught.value)


def test_it_raises_permanent_for_an_envelope_that_is_not_ok(http):
    http.post(SEND, json={"ok": False, "description": "odd"})

    with pytest.raises(PermanentError, match="unexpected answer"):
        send_message(chat_id="1", text="hi")
