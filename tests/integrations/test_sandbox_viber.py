from __future__ import annotations

import json

import pytest

from integrations.sandbox.models import SandboxMessage

pytestmark = pytest.mark.usefixtures("sandbox")

URL = "/sandbox/viber/pa/send_message"
AUTH = {"HTTP_X_VIBER_AUTH_TOKEN": "token"}
VALID = {"receiver": "01234567890A=", "type": "text", "text": "Заказ готов",
         "sender": {"name": "Orders Office"}}  # fmt: skip


def _post(client, body, **headers):
    return client.post(URL, json.dumps(body), content_type="application/json", **headers)


def test_it_accepts_the_real_request_and_stores_the_message(client):
    response = _post(client, VALID, **AUTH)

    body = response.json()
    message = SandboxMessage.objects.get()
    assert body["status"] == 0
    assert body["status_message"] == "ok"
    assert body["message_token"] == int(message.provider_message_id)
    assert body["message_token"] > 2**53
    assert (message.provider, message.recipient, message.text) == (
        "viber",
        "01234567890A=",
        "Заказ готов",
    )


@pytest.mark.parametrize(
    ("body", "headers", "status", "name"),
    [
        (VALID, {}, 2, "invalidAuthToken"),
        ({**VALID, "receiver": ""}, AUTH, 4, "missingData"),
        ({**VALID, "sender": {}}, AUTH, 4, "missingData"),
        ({**VALID, "text": ""}, AUTH, 4, "missingData"),
        ({**VALID, "type": "picture"}, AUTH, 3, "badData"),
        ({**VALID, "receiver": "user9999"}, AUTH, 6, "receiverNotSubscribed"),
    ],
)
def test_it_refuses_bad_requests_with_a_status_in_http_200(client, body, headers, status, name):
    response = _post(client, body, **headers)

    assert response.status_code == 200
    assert response.json() == {"status": status, "status_message": name}
    assert not SandboxMessage.objects.exists()


def test_it_refuses_a_body_that_is_not_json(client):
    response = client.post(URL, "not json", content_type="application/json", **AUTH)

    assert response.json()["status"] == 3


def test_a_receiver_ending_in_0000_gets_a_500(client):
    response = _post(client, {**VALID, "receiver": "user0000"}, **AUTH)

    assert response.status_code == 500
