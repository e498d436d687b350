from __future__ import annotations

from urllib.parse import urlencode

import pytest

from integrations.sandbox.models import SandboxMessage

pytestmark = pytest.mark.usefixtures("sandbox")

URL = "/sandbox/vk/method/messages.send"
FORM = "application/x-www-form-urlencoded"
VALID = {"peer_id": "123456", "message": "Заказ готов", "random_id": "17", "access_token": "t",
         "v": "5.199"}  # fmt: skip


def _post(client, fields, url=URL):
    return client.post(url, data=urlencode(fields), content_type=FORM)


def test_it_accepts_the_real_form_and_stores_the_message(client):
    response = _post(client, VALID)

    message = SandboxMessage.objects.get()
    assert response.json() == {"response": int(message.provider_message_id)}
    assert (message.provider, message.recipient, message.text) == ("vk", "123456", "Заказ готов")
    assert "access_token" not in message.request_payload


def test_a_repeated_random_id_sends_nothing_and_returns_the_first_id(client):
    first = _post(client, VALID).json()
    second = _post(client, VALID).json()

    assert first == second
    assert SandboxMessage.objects.count() == 1


def test_another_random_id_is_another_message(client):
    _post(client, VALID)
    _post(client, {**VALID, "random_id": "18"})

    assert SandboxMessage.objects.count() == 2


@pytest.mark.parametrize(
    ("drop", "code"),
    [("access_token", 5), ("v", 8), ("random_id", 100), ("peer_id", 100), ("message", 100)],
)
def test_it_refuses_bad_requests_with_an_error_in_http_200(client, drop, code):
    fields = {key: value for key, value in VALID.items() if key != drop}

    response = _post(client, fields)

    assert response.status_code == 200
    error = response.json()["error"]
    assert error["error_code"] == code
    assert error["error_msg"]
    assert {"key": "method", "value": "messages.send"} in error["request_params"]
    assert all(param["key"] != "access_token" for param in error["request_params"])
    assert not SandboxMessage.objects.exists()


def test_an_unknown_method_is_error_3(client):
    response = _post(client, VALID, url="/sandbox/vk/method/users.get")

    assert response.json()["error"]["error_code"] == 3


def test_a_peer_ending_in_9999_cannot_be_messaged(client):
    response = _post(client, {**VALID, "peer_id": "19999"})

    assert response.json()["error"]["error_code"] == 901


def test_a_peer_ending_in_0000_gets_an_internal_error(client):
    response = _post(client, {**VALID, "peer_id": "10000"})

    assert response.status_code == 200
    assert response.json()["error"]["error_code"] == 10
