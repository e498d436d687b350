from __future__ import annotations

import json

import pytest
import requests

from integrations.delivery import Delivery
from integrations.errors import PermanentError, TransientError
from integrations.whatsapp.client import send_text

from .conftest import WHATSAPP, sample

SEND = f"{WHATSAPP}/v21.0/100000000000001/messages"


def _graph_error(code: int, message: str = "error") -> dict:
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "x"}
    return {"error": error}


def test_it_returns_the_wamid_of_the_documented_answer(http):
    http.post(SEND, json=sample("whatsapp_send_message_response.json"))

    assert send_text(wa_id="16505555555", text="hi") == Delivery(
        "wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"
    )


def test_it_posts_the_documented_body_with_a_bearer_token(http):
    http.post(SEND, json=sample("whatsapp_send_message_response.json"))

    send_text(wa_id="16505551234", text="Ваш заказ №10042 передан в службу доставки")

    request = http.calls[0].request
    assert request.headers["Authorization"] == "Bearer wa-test-token"
    assert json.loads(request.body) == sample("whatsapp_send_message_request.json")


@pytest.mark.parametrize(
    "code",
    [
        4,  # application request limit
        80007,  # WhatsApp Business Account rate limit
        130429,  # throughput
        131056,  # pair rate limit
    ],
)
def test_it_raises_transient_for_graph_rate_limits_sent_as_400(http, code):
    http.post(SEND, status=400, json=_graph_error(code, "rate limit hit"))

    with pytest.raises(TransientError, match=f"\\({code}\\) rate limit hit"):
        send_text(wa_id="1", text="hi")


@pytest.mark.parametrize(("status", "code"), [(400, 100), (401, 190), (400, 131030)])
def test_it_raises_permanent_for_other_graph_errors(http, status, code):
    http.post(SEND, status=status, json=_graph_error(code, "refused"))

    with pytest.raises(PermanentError, match=f"HTTP {status}: \\({code}\\) refused"):
        send_text(wa_id="1", text="hi")


def test_it_raises_transient_for_a_graph_error_with_5xx(http):
    http.post(SEND, status=500, json=_graph_error(131000, "Something went wrong"))

    with pytest.raises(TransientError):
        send_text(wa_id="1", text="hi")


def test_it_raises_transient_for_a_5xx_without_an_envelope(http):
    http.post(SEND, status=503, body="unavailable")

    with pytest.raises(TransientError, match="503"):
        send_text(wa_id="1", text="hi")


def test_it_raises_transient_on_timeout(http):
    http.post(SEND, body=requests.exceptions.ConnectTimeout())

    with pytest.raises(TransientError):
        send_text(wa_id="1", text="hi")


def test_it_raises_permanent_for_an_answer_without_messages(http):
    http.post(SEND, json={"messaging_product": "whatsapp", "messages": []})

    with pytest.raises(PermanentError, match="unexpected answer"):
        send_text(wa_id="1", text="hi")
