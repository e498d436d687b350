from __future__ import annotations

import base64
import json
from decimal import Decimal

import pytest
import requests
from django.db import DEFAULT_DB_ALIAS

from integrations.sandbox.models import SandboxPayment, SandboxRefund
from integrations.sandbox.views import yookassa as sandbox_yookassa
from integrations.yookassa.client import parse_notification

from .conftest import SITE

pytestmark = pytest.mark.usefixtures("sandbox")

API = "/sandbox/yookassa/v3"
WEBHOOK = f"{SITE}/webhooks/yookassa/"
AUTH = "Basic " + base64.b64encode(b"100001:test_secret").decode()
RETURN_URL = "https://office.test/orders/37/"
RECEIPT = {
    "customer": {"phone": "79991234567"},
    "items": [
        {
            "description": "Чайник электрический",
            "quantity": "2.00",
            "amount": {"value": "1500.25", "currency": "RUB"},
            "vat_code": 11,
            "payment_mode": "full_payment",
            "payment_subject": "commodity",
        },
        {
            "description": "Доставка",
            "quantity": "1.00",
            "amount": {"value": "799.00", "currency": "RUB"},
            "vat_code": 11,
            "payment_mode": "full_payment",
            "payment_subject": "commodity",
        },
    ],
}
CREATE = {
    "amount": {"value": "3799.50", "currency": "RUB"},
    "capture": True,
    "confirmation": {"type": "redirect", "return_url": RETURN_URL},
    "description": "Заказ №37",
    "metadata": {"order_id": "37"},
    "receipt": RECEIPT,
}


def _post(client, path: str, body, *, key: str | None = "key-1", auth: str | None = AUTH):
    headers = {}
    if key is not None:
        headers["Idempotence-Key"] = key
    if auth is not None:
        headers["Authorization"] = auth
    return client.post(
        f"{API}{path}", json.dumps(body), content_type="application/json", headers=headers
    )


def _get(client, path: str, *, auth: str | None = AUTH):
    return client.get(f"{API}{path}", headers={"Authorization": auth} if auth else {})


def _create(client, key: str = "key-1", **changes) -> dict:
    response = _post(client, "/payments", {**CREATE, **changes}, key=key)
    assert response.status_code == 200, response.content
    return response.json()


def _paid(client, **changes) -> SandboxPayment:
    payment = SandboxPayment.objects.get(payment_id=_create(client, **changes)["id"])
    payment.status = SandboxPayment.Status.SUCCEEDED
    payment.save()
    return payment


def _assert_error(response, status: int, code: str, parameter: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["type"] == "error"
    assert body["code"] == code
    assert body["id"]
    assert body["description"]
    if parameter is not None:
        assert body["parameter"] == parameter
    return body


def _notices(response) -> list[str]:
    # Levels, not wording: the page is translated.
    return [m.level_tag for m in response.context["messages"]]


@pytest.fixture
def notify_now(monkeypatch):
    """Refund notifications leave from a timer thread; here they leave at once."""
    monkeypatch.setattr(sandbox_yookassa, "notify_later", sandbox_yookassa.send_notification)


# --- POST /payments ----------------------------------------------------------------------------


def test_create_answers_a_pending_payment_with_a_link_to_the_sandbox_page(client):
    body = _create(client)

    payment = SandboxPayment.objects.get()
    assert body["id"] == payment.payment_id
    assert body["status"] == "pending"
    assert body["paid"] is False
    assert body["amount"] == {"value": "3799.50", "currency": "RUB"}
    assert body["confirmation"] == {
        "type": "redirect",
        "return_url": RETURN_URL,
        "confirmation_url": f"{SITE}/sandbox/yookassa/pay/{payment.payment_id}/",
    }
    assert body["metadata"] == {"order_id": "37"}
    assert body["description"] == "Заказ №37"
    assert body["recipient"]["account_id"] == "100001"
    assert body["refundable"] is False
    assert body["test"] is True  # a "test_" secret key is a test shop's
    assert body["created_at"].endswith("Z")
    assert (payment.amount, payment.receipt, payment.idempotence_key) == (
        Decimal("3799.50"),
        RECEIPT,
        "key-1",
    )


def test_create_without_a_receipt_is_fine(client):
    body = _create(client, receipt=None)

    assert "receipt_registration" not in body
    assert SandboxPayment.objects.get().receipt is None


@pytest.mark.parametrize(
    "auth", [None, "Bearer token", "Basic !!!", "Basic " + base64.b64encode(b"100001").decode()]
)
def test_create_needs_basic_auth(client, auth):
    response = _post(client, "/payments", CREATE, auth=auth)

    _assert_error(response, 401, "invalid_credentials")
    assert not SandboxPayment.objects.exists()


def test_create_needs_an_idempotence_key(client):
    response = _post(client, "/payments", CREATE, key=None)

    _assert_error(response, 400, "invalid_request", "Idempotence-Key")
    assert not SandboxPayment.objects.exists()


def test_the_same_key_and_body_return_the_same_payment(client):
    first = _create(client)

    second = _create(client)

    assert second["id"] == first["id"]
    assert SandboxPayment.objects.count() == 1


def test_the_same_key_with_another_body_is_refused_as_yookassa_does(client):
    _create(client)

    response = _post(client, "/payments", {**CREATE, "description": "Заказ №38"})

    body = _assert_error(response, 400, "invalid_request", "Idempotence-Key")
    # external-apis.md: yookassa_error_idempotence_key_duplicated.json
    assert body["description"] == "Idempotence key duplicated"
    assert SandboxPayment.objects.count() == 1


def test_another_key_creates_another_payment(client):
    assert _create(client, key="key-1")["id"] != _create(client, key="key-2")["id"]


@pytest.mark.parametrize(
    ("changes", "parameter"),
    [
        ({"amount": {"value": 3799.5, "currency": "RUB"}}, "amount.value"),
        ({"amount": {"value": "3799.505", "currency": "RUB"}}, "amount.value"),
        ({"amount": {"value": "0.00", "currency": "RUB"}}, "amount.value"),
        ({"amount": {"value": "3799.50", "currency": "rub"}}, "amount.currency"),
        ({"capture": False}, "capture"),
        ({"confirmation": {"type": "redirect"}}, "confirmation.return_url"),
        ({"confirmation": {"type": "embedded"}}, "confirmation"),
        ({"description": "Ж" * 129}, "description"),
        ({"receipt": {**RECEIPT, "customer": {}}}, "receipt.customer"),
        ({"receipt": {**RECEIPT, "items": []}}, "receipt.items"),
        (
            {"receipt": {**RECEIPT, "items": [{**RECEIPT["items"][0], "vat_code": 13}]}},
            "receipt.items[0].vat_code",
        ),
        (
            {"receipt": {**RECEIPT, "items": [{**RECEIPT["items"][0], "quantity": "0"}]}},
            "receipt.items[0].quantity",
        ),
        ({"receipt": {**RECEIPT, "items": RECEIPT["items"][:1]}}, "receipt"),
    ],
)
def test_create_refuses_what_yookassa_refuses(client, changes, parameter):
    response = _post(client, "/payments", {**CREATE, **changes})

    _assert_error(response, 400, "invalid_request", parameter)
    assert not SandboxPayment.objects.exists()


def test_create_refuses_a_body_that_is_not_json(client):
    response = client.post(
        f"{API}/payments",
        "{",
        content_type="application/json",
        headers={"Authorization": AUTH, "Idempotence-Key": "k"},
    )

    _assert_error(response, 400, "invalid_request")


def test_a_description_with_fail500_gets_a_500_and_creates_nothing(client):
    response = _post(client, "/payments", {**CREATE, "description": "Заказ №37 FAIL500"})

    _assert_error(response, 500, "internal_server_error")
    assert not SandboxPayment.objects.exists()


def test_payments_list_is_not_there(client):
    _assert_error(_get(client, "/payments"), 405, "invalid_request")


# --- GET /payments/{id}, POST /payments/{id}/cancel --------------------------------------------


def test_get_answers_the_current_state(client):
    payment = _paid(client)

    body = _get(client, f"/payments/{payment.payment_id}").json()

    assert (body["status"], body["paid"], body["refundable"]) == ("succeeded", True, True)
    assert "confirmation" not in body
    assert body["receipt_registration"] == "succeeded"


def test_get_answers_404_for_an_unknown_payment(client):
    _assert_error(_get(client, "/payments/nope"), 404, "not_found")


def test_get_needs_auth(client):
    payment_id = _create(client)["id"]

    _assert_error(_get(client, f"/payments/{payment_id}", auth=None), 401, "invalid_credentials")


def test_cancel_refuses_a_pending_payment_as_yookassa_does(client):
    # Only a two-stage payment waiting for capture can be canceled; a pending one expires.
    payment_id = _create(client)["id"]

    response = _post(client, f"/payments/{payment_id}/cancel", {}, key="cancel-1")

    _assert_error(response, 400, "invalid_request", "payment_id")
    assert SandboxPayment.objects.get().status == "pending"


def test_cancel_of_a_canceled_payment_answers_it(client):
    payment_id = _create(client)["id"]
    SandboxPayment.objects.update(
        status="canceled", cancellation_party="yoo_money", cancellation_reason="general_decline"
    )

    body = _post(client, f"/payments/{payment_id}/cancel", {}, key="cancel-1").json()

    assert body["cancellation_details"] == {"party": "yoo_money", "reason": "general_decline"}


def test_cancel_needs_a_key_and_a_known_payment(client):
    payment_id = _create(client)["id"]

    no_key = _post(client, f"/payments/{payment_id}/cancel", {}, key=None)
    unknown = _post(client, "/payments/nope/cancel", {}, key="cancel-1")

    _assert_error(no_key, 400, "invalid_request", "Idempotence-Key")
    _assert_error(unknown, 404, "not_found")


# --- POST /refunds, GET /refunds/{id} ----------------------------------------------------------


def _refund(client, payment: SandboxPayment, value: str, key: str = "refund-1"):
    return _post(
        client,
        "/refunds",
        {"payment_id": payment.payment_id, "amount": {"value": value, "currency": "RUB"}},
        key=key,
    )


def test_a_refund_succeeds_at_once_and_notifies_after_the_commit(
    client, http, notify_now, django_capture_on_commit_callbacks
):
    http.post(WEBHOOK, status=200)
    payment = _paid(client)

    with django_capture_on_commit_callbacks(execute=True):
        response = _refund(client, payment, "1000.00")

    body = response.json()
    refund = SandboxRefund.objects.get()
    assert response.status_code == 200
    assert body["id"] == refund.refund_id
    assert body["payment_id"] == payment.payment_id
    assert body["status"] == "succeeded"
    assert body["amount"] == {"value": "1000.00", "currency": "RUB"}
    sent = json.loads(http.calls[0].request.body)
    assert sent == {"type": "notification", "event": "refund.succeeded", "object": body}
    assert parse_notification(http.calls[0].request.body).payment_id == payment.payment_id


def test_refunds_add_up_to_the_paid_amount_and_no_more(client):
    payment = _paid(client)

    first = _refund(client, payment, "3000.00", key="r1")
    too_much = _refund(client, payment, "799.51", key="r2")
    rest = _refund(client, payment, "799.50", key="r3")
    nothing_left = _refund(client, payment, "0.01", key="r4")

    assert first.status_code == 200
    _assert_error(too_much, 400, "invalid_request", "amount.value")
    assert rest.status_code == 200
    _assert_error(nothing_left, 400, "invalid_request", "amount.value")
    body = _get(client, f"/payments/{payment.payment_id}").json()
    assert body["refunded_amount"] == {"value": "3799.50", "currency": "RUB"}
    assert body["refundable"] is False


def test_a_refund_needs_a_succeeded_payment(client):
    payment = SandboxPayment.objects.get(payment_id=_create(client)["id"])

    _assert_error(_refund(client, payment, "1.00"), 400, "invalid_request", "payment_id")
    unknown = _post(
        client, "/refunds", {"payment_id": "nope", "amount": {"value": "1.00", "currency": "RUB"}}
    )
    _assert_error(unknown, 400, "invalid_request", "payment_id")


def test_a_refund_repeated_with_its_key_is_the_same_refund(client):
    payment = _paid(client)

    first = _refund(client, payment, "100.00").json()
    again = _refund(client, payment, "100.00").json()
    other = _refund(client, payment, "200.00")

    assert again["id"] == first["id"]
    assert SandboxRefund.objects.count() == 1
    assert _assert_error(other, 400, "invalid_request")["description"] == (
        "Idempotence key duplicated"
    )


def test_a_refund_needs_a_key(client):
    payment = _paid(client)

    response = _post(
        client,
        "/refunds",
        {"payment_id": payment.payment_id, "amount": {"value": "1.00", "currency": "RUB"}},
        key=None,
    )

    _assert_error(response, 400, "invalid_request", "Idempotence-Key")


def test_get_refund(client):
    payment = _paid(client)
    refund_id = _refund(client, payment, "100.00").json()["id"]

    body = _get(client, f"/refunds/{refund_id}").json()

    assert (body["id"], body["status"], body["payment_id"]) == (
        refund_id,
        "succeeded",
        payment.payment_id,
    )
    _assert_error(_get(client, "/refunds/nope"), 404, "not_found")


# --- the payment page --------------------------------------------------------------------------


def _page(payment_id: str) -> str:
    return f"/sandbox/yookassa/pay/{payment_id}/"


def test_the_page_shows_the_shop_the_lines_and_the_total(client):
    payment_id = _create(client)["id"]

    response = client.get(_page(payment_id))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Заказ №37" in page
    assert "Чайник электрический" in page
    assert "Доставка" in page
    # Russian number format: quantity 2, price 1500,25, line 3000,50; total 3799,50.
    for number in ("1500,25", "3000,50", "799,00", "3799,50"):
        assert number in page
    assert 'value="pay"' in page
    assert 'value="refuse"' in page


def test_the_page_of_an_unknown_payment_is_404(client):
    assert client.get(_page("nope")).status_code == 404


def test_pay_marks_the_payment_paid_notifies_the_shop_and_returns_the_buyer(client, http):
    http.post(WEBHOOK, status=200)
    payment_id = _create(client)["id"]

    response = client.post(_page(payment_id), {"action": "pay"})

    payment = SandboxPayment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == RETURN_URL
    assert payment.status == "succeeded"
    assert payment.paid_at is not None
    sent = json.loads(http.calls[0].request.body)
    assert sent["type"] == "notification"
    assert sent["event"] == "payment.succeeded"
    assert sent["object"] == _get(client, f"/payments/{payment_id}").json()
    assert sent["object"]["paid"] is True
    assert sent["object"]["amount"] == {"value": "3799.50", "currency": "RUB"}
    assert sent["object"]["metadata"] == {"order_id": "37"}
    assert parse_notification(http.calls[0].request.body).payment_id == payment_id


def test_refuse_cancels_the_payment_and_notifies_the_shop(client, http):
    http.post(WEBHOOK, status=200)
    payment_id = _create(client)["id"]

    response = client.post(_page(payment_id), {"action": "refuse"})

    assert response.status_code == 302
    assert SandboxPayment.objects.get().status == "canceled"
    sent = json.loads(http.calls[0].request.body)
    assert sent["event"] == "payment.canceled"
    assert sent["object"]["status"] == "canceled"
    assert sent["object"]["paid"] is False
    assert sent["object"]["cancellation_details"] == {
        "party": "yoo_money",
        "reason": "general_decline",
    }


def test_a_second_click_changes_and_notifies_nothing(client, http):
    http.post(WEBHOOK, status=200)
    payment_id = _create(client)["id"]
    client.post(_page(payment_id), {"action": "pay"})

    response = client.post(_page(payment_id), {"action": "refuse"}, follow=True)

    assert SandboxPayment.objects.get().status == "succeeded"
    assert len(http.calls) == 1
    assert _notices(response) == ["info"]
    assert 'value="pay"' not in response.content.decode()


def test_pay_keeps_the_payment_when_the_webhook_is_down_and_says_so(client, http):
    http.post(WEBHOOK, body=requests.exceptions.ConnectionError())
    payment_id = _create(client)["id"]

    response = client.post(_page(payment_id), {"action": "pay"}, follow=True)

    assert SandboxPayment.objects.get().status == "succeeded"
    assert response.request["PATH_INFO"] == _page(payment_id)
    [message] = response.context["messages"]
    assert message.level_tag == "warning"
    assert "office.test" in str(message)


@pytest.mark.parametrize("status", [202, 404, 500])
def test_pay_reports_a_webhook_that_does_not_answer_200(client, http, status):
    http.post(WEBHOOK, status=status, body="<!DOCTYPE html><title>Page not found</title>")
    payment_id = _create(client)["id"]

    response = client.post(_page(payment_id), {"action": "pay"}, follow=True)

    assert SandboxPayment.objects.get().status == "succeeded"
    [message] = response.context["messages"]
    assert message.level_tag == "warning"
    assert f"HTTP {status}" in str(message)
    assert "DOCTYPE" not in str(message)


def test_pay_without_a_return_url_stays_on_the_page(client, http):
    http.post(WEBHOOK, status=200)
    payment_id = _create(client)["id"]
    SandboxPayment.objects.update(return_url="")

    response = client.post(_page(payment_id), {"action": "pay"})

    assert response["Location"] == _page(payment_id)


def test_an_unknown_action_is_refused(client):
    payment_id = _create(client)["id"]

    assert client.post(_page(payment_id), {"action": "steal"}).status_code == 400
    assert SandboxPayment.objects.get().status == "pending"


# --- the outbox --------------------------------------------------------------------------------


def test_the_outbox_lists_payments_with_links_to_their_pages(client):
    pending = _create(client, key="k1")["id"]
    paid = _paid(client, description="Заказ №38").payment_id

    page = client.get("/sandbox/").content.decode()

    assert f'href="{_page(pending)}"' in page
    assert f'href="{_page(paid)}"' in page
    assert "Заказ №38" in page
    assert f'action="/sandbox/yookassa/expire/{pending}/"' in page
    assert f'action="/sandbox/yookassa/renotify/{paid}/"' in page


def test_the_outbox_shows_what_was_refunded(client):
    payment = _paid(client)
    _refund(client, payment, "100.00")

    page = client.get("/sandbox/").content.decode()

    assert "100,00" in page


def test_expire_cancels_a_pending_payment_and_notifies_the_shop(client, http):
    http.post(WEBHOOK, status=200)
    payment_id = _create(client)["id"]

    response = client.post(f"/sandbox/yookassa/expire/{payment_id}/", follow=True)

    payment = SandboxPayment.objects.get()
    assert (payment.status, payment.cancellation_reason) == ("canceled", "expired_on_confirmation")
    assert json.loads(http.calls[0].request.body)["event"] == "payment.canceled"
    assert _notices(response) == ["success"]


def test_renotify_repeats_the_notification_of_a_finished_payment(client, http):
    http.post(WEBHOOK, status=200)
    http.post(WEBHOOK, status=200)
    payment_id = _create(client)["id"]
    client.post(_page(payment_id), {"action": "pay"})

    client.post(f"/sandbox/yookassa/renotify/{payment_id}/")

    first, second = (json.loads(call.request.body) for call in http.calls)
    assert first == second
    assert second["event"] == "payment.succeeded"


@pytest.mark.parametrize(
    "view",
    [
        sandbox_yookassa.create_payment,
        sandbox_yookassa.get_payment,
        sandbox_yookassa.cancel_payment,
        sandbox_yookassa.create_refund,
        sandbox_yookassa.get_refund,
        sandbox_yookassa.pay_page,
        sandbox_yookassa.expire,
        sandbox_yookassa.renotify,
    ],
)
def test_every_view_runs_outside_the_request_transaction(view):
    # On SQLite (IMMEDIATE) a request transaction takes the write lock at once; our webhook
    # holds it while it re-fetches the payment from here, and notifications go out from here.
    assert DEFAULT_DB_ALIAS in getattr(view, "_non_atomic_requests", set())
