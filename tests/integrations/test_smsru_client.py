from __future__ import annotations

from urllib.parse import parse_qs

import pytest
import requests

from integrations.delivery import Delivery
from integrations.errors import DeliveryUnknown, PermanentError, TransientError
from integrations.smsru.client import send_sms

from .conftest import SMSRU, sample

SEND = f"{SMSRU}/sms/send"


def _ok(number: str = "79991234567", sms_id: str = "000000-10000000") -> dict:
    return {
        "status": "OK",
        "status_code": 100,
        "sms": {number: {"status": "OK", "status_code": 100, "sms_id": sms_id}},
        "balance": 4122.56,
    }


def _form(call) -> dict[str, list[str]]:
    return parse_qs(call.request.body)


def test_it_returns_the_sms_id_of_an_accepted_number(http):
    http.post(SEND, json=_ok())

    assert send_sms(phone="+79991234567", text="Заказ готов") == Delivery("000000-10000000")


def test_it_posts_the_documented_form(http):
    http.post(SEND, json=_ok())

    send_sms(phone="+7 (999) 123-45-67", text="Заказ готов")

    form = _form(http.calls[0])
    assert form == {
        "api_id": ["test-api-id"],
        "to": ["79991234567"],
        "msg": ["Заказ готов"],
        "json": ["1"],
    }
    assert http.calls[0].request.headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_it_names_the_sender_when_one_is_configured(http, settings):
    settings.SMSRU_SENDER = "MyShop"
    http.post(SEND, json=_ok())

    send_sms(phone="+79991234567", text="hi")

    assert _form(http.calls[0])["from"] == ["MyShop"]


def test_it_reads_our_number_in_the_documented_sample(http):
    http.post(SEND, json=sample("smsru_send_response.json"))

    assert send_sms(phone="+79255070602", text="hi") == Delivery("000000-10000000")


def test_it_raises_permanent_for_a_refused_number_in_the_documented_sample(http):
    http.post(SEND, json=sample("smsru_send_response.json"))

    with pytest.raises(PermanentError, match="207: На этот номер"):
        send_sms(phone="+74993221627", text="hi")


def test_it_raises_permanent_for_a_per_number_error_inside_an_overall_ok(http):
    # Recorded answer: top-level OK/100, the number refused with 221 (and even an sms_id).
    http.post(SEND, json=sample("smsru_send_response_error_221.json"))

    with pytest.raises(PermanentError, match="221: Для работы с нашим сервисом"):
        send_sms(phone="+79255070602", text="hi")


def test_it_keeps_the_phone_out_of_the_error_message(http):
    http.post(SEND, json=sample("smsru_send_response_error_221.json"))

    with pytest.raises(PermanentError) as caught:
        send_sms(phone="+79255070602", text="Секретный текст")

    assert "79255070602" not in str(caught.value)
    assert "Секретный текст" not in str(caught.value)


@pytest.mark.parametrize(
    ("code", "text"),
    [(200, "Неправильный api_id"), (201, "Не хватает средств на лицевом счету")],
)
def test_it_raises_permanent_for_a_refused_request(http, code, text):
    http.post(SEND, json={"status": "ERROR", "status_code": code, "status_text": text})

    with pytest.raises(PermanentError, match=text):
        send_sms(phone="+79991234567", text="hi")


@pytest.mark.parametrize("code", [202, 207, 209, 221])
def test_it_raises_permanent_for_refused_numbers(http, code):
    body = _ok()
    body["sms"]["79991234567"] = {"status": "ERROR", "status_code": code, "status_text": "no"}
    http.post(SEND, json=body)

    with pytest.raises(PermanentError, match=f"refused with {code}"):
        send_sms(phone="+79991234567", text="hi")


def test_it_raises_transient_for_service_unavailable_220_per_number(http):
    body = _ok()
    body["sms"]["79991234567"] = {
        "status": "ERROR",
        "status_code": 220,
        "status_text": "Сервис временно недоступен",
    }
    http.post(SEND, json=body)

    with pytest.raises(TransientError, match="220"):
        send_sms(phone="+79991234567", text="hi")


def test_it_raises_transient_for_service_unavailable_220_for_the_request(http):
    http.post(SEND, json={"status": "ERROR", "status_code": 220, "status_text": "Недоступен"})

    with pytest.raises(TransientError):
        send_sms(phone="+79991234567", text="hi")


@pytest.mark.parametrize("status", [429, 500, 503])
def test_it_raises_transient_for_429_and_5xx(http, status):
    http.post(SEND, status=status)

    with pytest.raises(TransientError):
        send_sms(phone="+79991234567", text="hi")


def test_it_retries_when_sms_ru_cannot_be_reached(http):
    http.post(SEND, body=requests.exceptions.ConnectTimeout())

    with pytest.raises(TransientError, match="ConnectTimeout"):
        send_sms(phone="+79991234567", text="hi")


def test_it_does_not_retry_a_send_that_got_no_answer_in_time(http):
    """SMS.ru may have accepted it: a retry could text the customer twice."""
    http.post(SEND, body=requests.exceptions.ReadTimeout())

    with pytest.raises(DeliveryUnknown):
        send_sms(phone="+79991234567", text="hi")


def test_it_raises_permanent_for_a_4xx(http):
    http.post(SEND, status=404, body="not found")

    with pytest.raises(PermanentError, match="smsru HTTP 404"):
        send_sms(phone="+79991234567", text="hi")


def test_it_raises_permanent_for_the_plain_text_answer(http):
    # What SMS.ru sends when json=1 is lost on the way: not something a retry fixes.
    http.post(SEND, body="100\n000000-10000000\nbalance=4122.56")

    with pytest.raises(PermanentError, match="non-JSON"):
        send_sms(phone="+79991234567", text="hi")


def test_it_raises_permanent_when_our_number_is_missing(http):
    body = _ok(number="70000000001")
    body["sms"]["70000000002"] = body["sms"]["70000000001"]
    http.post(SEND, json=body)

    with pytest.raises(PermanentError, match="no entry"):
        send_sms(phone="+79991234567", text="hi")
