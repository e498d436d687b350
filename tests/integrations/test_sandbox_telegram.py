from __future__ import annotations

import pytest

from integrations.sandbox.models import SandboxMessage

pytestmark = pytest.mark.usefixtures("sandbox")

URL = "/sandbox/telegram/bot123456:token/sendMessage"


def test_it_accepts_the_real_json_and_stores_the_message(client):
    response = client.post(
        URL, {"chat_id": 461699897, "text": "Строковое значение"}, content_type="application/json"
    )

    assert response.status_code == 200
    body = response.json()
    message = SandboxMessage.objects.get()
    assert body["ok"] is True
    assert body["result"]["message_id"] == int(message.provider_message_id)
    assert body["result"]["chat"]["id"] == 461699897
    assert body["result"]["from"] == {
        "id": 123456,
        "is_bot": True,
        "first_name": "Sandbox",
        "username": "sandbox_bot",
    }
    assert (message.provider, message.recipient, message.text) == (
        "telegram",
        "461699897",
        "Строковое значение",
    )


def test_it_also_accepts_a_form(client):
    response = client.post(URL, {"chat_id": "42", "text": "hi"})

    assert response.json()["ok"] is True


@pytest.mark.parametrize(
    ("payload", "description"),
    [
        ({"text": "hi"}, "Bad Request: chat_id is empty"),
        ({"chat_id": 1}, "Bad Request: message text is empty"),
        ({"chat_id": 1, "text": "x" * 4097}, "Bad Request: message is too long"),
        ({"chat_id": 1239999, "text": "hi"}, "Bad Request: chat not found"),
    ],
)
def test_it_refuses_bad_requests_in_telegrams_envelope(client, payload, description):
    response = client.post(URL, payload, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"ok": False, "error_code": 400, "description": description}
    assert not SandboxMessage.objects.exists()


def test_it_answers_401_without_a_token(client):
    response = client.post("/sandbox/telegram/bot/sendMessage", {"chat_id": 1, "text": "hi"})

    assert response.status_code == 401
    assert response.json()["description"] == "Unauthorized"


def test_it_answers_404_for_another_method(client):
    response = client.post("/sandbox/telegram/bot1:t/getUpdates")

    assert response.status_code == 404
    assert response.json()["ok"] is False


def test_a_chat_ending_in_0000_gets_a_500(client):
    response = client.post(URL, {"chat_id": 10000, "text": "hi"}, content_type="application/json")

    assert response.status_code == 500
    assert response.json()["error_code"] == 500
