from __future__ import annotations

from urllib.parse import parse_qs

import pytest
import requests

from integrations.delivery import Delivery
from integrations.errors import PermanentError, TransientError
from integrations.vk.client import send_message

from .conftest import VK

SEND = f"{VK}/messages.send"


def _error(code: int, message: str) -> dict:
    return {"error": {"error_code": code, "error_msg": message, "request_params": []}}


def test_it_returns_the_message_id(http):
    http.post(SEND, json={"response": 4242})

    assert send_message(peer_id="2000000001", text="hi", random_id=17) == Delivery("4242")


def test_it_posts_the_documented_form(http):
    http.post(SEND, json={"response": 1})

    send_message(peer_id="123456", text="Заказ готов", random_id=17)

    assert parse_qs(http.calls[0].request.body) == {
        "peer_id": ["123456"],
        "message": ["Заказ готов"],
        "random_id": ["17"],
        "access_token": ["vk-test-token"],
        "v": ["5.199"],
    }


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (1, "Unknown error occurred"),
        (6, "Too many requests per second"),
        (10, "Internal server error"),
    ],
)
def test_it_raises_transient_for_retryable_errors_inside_http_200(http, code, message):
    http.post(SEND, json=_error(code, message))

    with pytest.raises(TransientError, match=f"error {code}: {message}"):
        send_message(peer_id="1", text="hi", random_id=1)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (5, "User authorization failed: invalid access_token"),
        (100, "One of the parameters specified was missing or invalid"),
        (901, "Can't send messages for users without permission"),
    ],
)
def test_it_raises_permanent_for_other_errors_inside_http_200(http, code, message):
    http.post(SEND, json=_error(code, message))

    with pytest.raises(PermanentError, match=f"error {code}"):
        send_message(peer_id="1", text="hi", random_id=1)


def test_it_keeps_the_echoed_request_out_of_the_error(http):
    body = _error(901, "Can't send messages")
    body["error"]["request_params"] = [{"key": "message", "value": "Секретный текст"}]
    http.post(SEND, json=body)

    with pytest.raises(PermanentError) as caught:
        send_message(peer_id="1", text="Секретный текст", random_id=1)

    assert "Секретный текст" not in str(caught.value)


def test_it_raises_transient_on_5xx_and_timeouts(http):
    http.post(SEND, status=502)
    http.post(SEND, body=requests.exceptions.ReadTimeout())

    for _ in range(2):
        with pytest.raises(TransientError):
            send_message(peer_id="1", text="hi", random_id=1)


def test_it_raises_permanent_for_an_answer_without_an_id(http):
    http.post(SEND, json={"response": {"oops": 1}})

    with pytest.raises(PermanentError):
        send_message(peer_id="1", text="hi", random_id=1)
