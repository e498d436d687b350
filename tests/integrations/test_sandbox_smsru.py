from __future__ import annotations

from urllib.parse import urlencode

import pytest

from integrations.sandbox.models import SandboxMessage

pytestmark = pytest.mark.usefixtures("sandbox")

URL = "/sandbox/smsru/sms/send"
FORM = "application/x-www-form-urlencoded"


def _post(client, **fields):
    return client.post(URL, data=urlencode(fields), content_type=FORM)


def test_it_accepts_the_real_form_and_stores_the_message(client):
    response = _post(client, api_id="id", to="79991234567", msg="Заказ готов", json=1)

    assert response.status_code == 200
    body = response.json()
    message = SandboxMessage.objects.get()
    assert body["status"] == "OK"
    assert body["status_code"] == 100
    assert body["sms"]["79991234567"] == {
        "status": "OK",
        "status_code": 100,
        "sms_id": message.provider_message_id,
    }
    assert (message.provider, message.recipient, message.text) == (
        "smsru",
        "+79991234567",
        "Заказ готов",
    )
    # The credential stays out of the outbox.
    assert "api_id" not in message.request_payload


def test_it_answers_plain_text_without_json_1(client):
    response = _post(client, api_id="id", to="79991234567", msg="hi")

    sms_id = SandboxMessage.objects.get().provider_message_id
    assert response.content.decode() == f"100\n{sms_id}\nbalance=1000.0"


def test_it_takes_several_numbers_and_refuses_a_bad_one_inside_an_overall_ok(client):
    response = _post(client, api_id="id", to="79991234567,79991239999", msg="hi", json=1)

    body = response.json()
    assert body["status"] == "OK"
    assert body["sms"]["79991234567"]["status_code"] == 100
    assert body["sms"]["79991239999"]["status"] == "ERROR"
    assert body["sms"]["79991239999"]["status_code"] == 202
    assert SandboxMessage.objects.get().recipient == "+79991234567"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"to": "79991234567", "msg": "hi"}, 200),
        ({"api_id": "id", "msg": "hi"}, 202),
        ({"api_id": "id", "to": "79991234567"}, 203),
        ({"api_id": "id", "to": ",".join(["79991234567"] * 101), "msg": "hi"}, 207),
    ],
)
def test_it_refuses_bad_requests_in_smsrus_format(client, fields, code):
    response = _post(client, json=1, **fields)

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ERROR"
    assert body["status_code"] == code
    assert body["status_text"]
    assert not SandboxMessage.objects.exists()


def test_a_number_ending_in_0000_gets_a_500(client):
    response = _post(client, api_id="id", to="79990000000", msg="hi", json=1)

    assert response.status_code == 500
    assert not SandboxMessage.objects.exists()


def test_it_also_takes_get(client):
    response = client.get(URL, {"api_id": "id", "to": "79991234567", "msg": "hi", "json": 1})

    assert response.json()["status"] == "OK"
