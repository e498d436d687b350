from __future__ import annotations

import json

import pytest

from integrations.sandbox.models import SandboxMessage

from .conftest import sample

pytestmark = pytest.mark.usefixtures("sandbox")

URL = "/sandbox/whatsapp/v21.0/100000000000001/messages"
AUTH = {"HTTP_AUTHORIZATION": "Bearer token"}


def _post(client, body, **headers):
    return client.post(URL, json.dumps(body), content_type="application/json", **headers)


def test_it_accepts_the_real_request_and_stores_the_message(client):
    response = _post(client, sample("whatsapp_send_message_request.json"), **AUTH)

    assert response.status_code == 200
    body = response.json()
    message = SandboxMessage.objects.get()
    assert body["messaging_product"] == "whatsapp"
    assert body["contacts"] == [{"input": "16505551234", "wa_id": "16505551234"}]
    assert body["messages"] == [{"id": message.provider_message_id}]
    assert message.provider_message_id.startswith("wamid.")
    assert message.text == "Ваш заказ №10042 передан в службу доставки"


def test_it_answers_401_in_graphs_envelope_without_a_bearer_token(client):
    response = _post(client, sample("whatsapp_send_message_request.json"))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == 190
    assert response.json()["error"]["type"] == "OAuthException"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"messaging_product": None}, "messaging_product is required"),
        ({"to": None}, "The parameter to is required"),
        ({"text": {}}, "The parameter text['body'] is required"),
        ({"type": "image"}, "not supported"),
    ],
)
def test_it_refuses_bad_requests_in_graphs_envelope(client, change, message):
    body = {**sample("whatsapp_send_message_request.json"), **change}

    response = _post(client, body, **AUTH)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 100
    assert message in error["message"]
    assert error["fbtrace_id"]
    assert not SandboxMessage.objects.exists()


def test_a_number_ending_in_9999_is_not_an_allowed_recipient(client):
    body = {**sample("whatsapp_send_message_request.json"), "to": "16505559999"}

    response = _post(client, body, **AUTH)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == 131030


def test_a_number_ending_in_0000_gets_a_500(client):
    body = {**sample("whatsapp_send_message_request.json"), "to": "16505550000"}

    response = _post(client, body, **AUTH)

    assert response.status_code == 500
    assert "error" in response.json()
