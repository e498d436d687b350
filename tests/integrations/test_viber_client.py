from __future__ import annotations

import json

import pytest
import requests

from integrations.delivery import Delivery
from integrations.errors import PermanentError, TransientError
from integrations.viber.client import send_message

from .conftest import VIBER

SEND = f"{VIBER}/send_message"
# Above 2**53: a float-based JSON parser would change it.
TOKEN = 4912661846655238145


def test_it_returns_the_exact_message_token(http):
    http.post(SEND, body=f'{{"status":0,"status_message":"ok","message_token":{TOKEN}}}')

    assert send_message(receiver="01234567890A=", text="hi") == Delivery(str(TOKEN))


def test_it_posts_the_documented_body_with_the_auth_header(http, settings):
    settings.VIBER_SENDER_NAME = "A very long shop name that Viber would refuse"
    http.post(SEND, json={"status": 0, "status_message": "ok", "message_token": 1})

    send_message(receiver="01234567890A=", text="Заказ готов")

    request = http.calls[0].request
    assert request.headers["X-Viber-Auth-Token"] == "viber-test-token"
    assert json.loads(request.body) == {
        "receiver": "01234567890A=",
        "type": "text",
        "text": "Заказ готов",
        "sender": {"name": "A very long shop name that V"},
    }


def test_it_raises_transient_for_too_many_requests(http):
    http.post(SEND, json={"status": 12, "status_message": "tooManyRequests"})

    with pytest.raises(TransientError, match="status 12: tooManyRequests"):
        send_message(receiver="x", text="hi")


@pytest.mark.parametrize(
    ("status", "name"),
    [(2, "invalidAuthToken"), (4, "missingData"), (6, "receiverNotSubscribed")],
)
def test_it_raises_permanent_for_other_statuses(http, status, name):
    http.post(SEND, json={"status": status, "status_message": name})

    with pytest.raises(PermanentError, match=f"status {status}: {name}"):
        send_message(receiver="x", text="hi")


def test_it_raises_transient_on_5xx_and_connection_errors(http):
    http.post(SEND, status=500)
    http.post(SEND, body=requests.exceptions.ConnectionError())

    for _ in range(2):
        with pytest.raises(TransientError):
            send_message(receiver="x", text="hi")


def test_it_raises_permanent_on_4xx(http):
    http.post(SEND, status=400, body="bad")

    with pytest.raises(PermanentError, match="viber HTTP 400"):
        send_message(receiver="x", text="hi")
