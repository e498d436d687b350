"""Every inbound endpoint that takes a secret or a signature refuses a wrong one of the right
length, compares it in constant time (`hmac.compare_digest` sees the value sent), and writes
nothing; the admin refuses a POST without its CSRF token, while the signed endpoints (no
cookies, no browser) do not ask for one."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from django.test import Client
from django.urls import reverse

from contacts.models import Contact, Message
from deals.models import Deal
from integrations.smsru.client import format_status_entry
from tests import messenger_payloads as p
from tests.factories import MessageFactory, OrderFactory

pytestmark = pytest.mark.django_db

# The secrets below and their wrong twins have the same length: a comparison that stops at
# the first differing byte would answer them at different speeds.
WRONG_HEX = "0" * 64


def _same_length_wrong(secret: str) -> str:
    wrong = "x" * len(secret)
    assert wrong != secret
    return wrong


@pytest.fixture(autouse=True)
def _secrets(settings, tmp_path):
    settings.TELEGRAM_WEBHOOK_SECRET = p.TG_SECRET
    settings.WHATSAPP_APP_SECRET = p.WA_APP_SECRET
    settings.WHATSAPP_VERIFY_TOKEN = p.WA_VERIFY_TOKEN
    settings.VK_CALLBACK_SECRET = p.VK_SECRET
    settings.VK_GROUP_ID = ""
    settings.VIBER_AUTH_TOKEN = p.VIBER_TOKEN
    settings.SMSRU_API_ID = "test-api-id"
    settings.ONEC_EXCHANGE_USER = "1c"
    settings.ONEC_EXCHANGE_PASSWORD = "s3cret"
    settings.ONEC_EXCHANGE_DIR = tmp_path / "onec"


@pytest.fixture
def compared(monkeypatch):
    """The arguments of every hmac.compare_digest call, as bytes."""
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((bytes(a, "utf-8") if isinstance(a, str) else a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    return calls


def _api(client, store):
    body = b'{"external_id": "X-1"}'
    given = "sha256=" + WRONG_HEX
    response = client.post(
        "/api/v1/orders/",
        data=body,
        content_type="application/json",
        headers={"X-Store-Code": store.code, "X-Signature": given},
    )
    return response, given


def _woocommerce(client, store):
    body = json.dumps({"id": 1}).encode()
    wrong = hmac.new(b"not-the-secret", body, hashlib.sha256).digest()
    given = base64.b64encode(wrong).decode()
    response = client.post(
        f"/webhooks/woocommerce/{store.code}/",
        data=body,
        content_type="application/json",
        headers={"X-WC-Webhook-Topic": "order.created", "X-WC-Webhook-Signature": given},
    )
    return response, given


def _smsru(client, store):
    MessageFactory(status=Message.Status.SENT, provider_message_id="sms-1")
    entry = format_status_entry(sms_id="sms-1", status_code=103, at=_now())
    given = hashlib.sha256(b"someone-else" + entry.encode()).hexdigest()
    response = client.post("/webhooks/sms/smsru/", {"data[0]": entry, "hash": given})
    return response, given


def _telegram_header(client, store):
    given = _same_length_wrong(p.TG_SECRET)
    response = client.post(
        f"/webhooks/telegram/{p.TG_SECRET}/",
        p.body(p.telegram_update()),
        "application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": given},
    )
    return response, given


def _telegram_url(client, store):
    given = _same_length_wrong(p.TG_SECRET)
    response = client.post(
        f"/webhooks/telegram/{given}/",
        p.body(p.telegram_update()),
        "application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": p.TG_SECRET},
    )
    return response, given


def _whatsapp(client, store):
    given = "sha256=" + WRONG_HEX
    response = client.post(
        "/webhooks/whatsapp/",
        p.body(p.whatsapp_event()),
        "application/json",
        headers={"X-Hub-Signature-256": given},
    )
    return response, given


def _whatsapp_handshake(client, store):
    given = _same_length_wrong(p.WA_VERIFY_TOKEN)
    response = client.get(
        "/webhooks/whatsapp/",
        {"hub.mode": "subscribe", "hub.challenge": "1", "hub.verify_token": given},
    )
    return response, given


def _vk(client, store):
    given = _same_length_wrong(p.VK_SECRET)
    response = client.post("/webhooks/vk/", p.body(p.vk_message_new(secret=given)), "json")
    return response, given


def _viber(client, store):
    given = WRONG_HEX
    response = client.post(
        "/webhooks/viber/",
        p.body(p.viber_message()),
        "application/json",
        headers={"X-Viber-Content-Signature": given},
    )
    return response, given


def _onec(client, store):
    given = _same_length_wrong("s3cret")
    auth = "Basic " + base64.b64encode(f"1c:{given}".encode()).decode()
    response = client.get(
        "/1c/exchange", {"type": "catalog", "mode": "checkauth"}, HTTP_AUTHORIZATION=auth
    )
    return response, given


def _now():
    from django.utils import timezone

    return timezone.now()


ENDPOINTS = {
    "store-api": (_api, 401),
    "woocommerce": (_woocommerce, 403),
    "smsru": (_smsru, 403),
    "telegram-header": (_telegram_header, 403),
    "telegram-url": (_telegram_url, 403),
    "whatsapp": (_whatsapp, 403),
    "whatsapp-handshake": (_whatsapp_handshake, 403),
    "vk": (_vk, 403),
    "viber": (_viber, 403),
    "1c": (_onec, 401),
}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_wrong_secret_of_the_right_length_is_refused_in_constant_time(
    store_a, compared, endpoint
):
    send, status = ENDPOINTS[endpoint]
    # No CSRF token, no cookie: as the website, the provider or 1C call.
    client = Client(enforce_csrf_checks=True)

    response, given = send(client, store_a)

    assert response.status_code == status
    sent = {given.encode(), given.lower().encode()}  # hex signatures are compared lower-cased
    assert any(sent & set(call) for call in compared), compared
    assert not Deal.objects.exists()
    assert Contact.objects.count() == Message.objects.count()  # only _smsru's own message
    assert not Message.objects.exclude(status=Message.Status.SENT).exists()


def test_an_empty_smsru_api_id_refuses_even_a_hash_of_the_entries_alone(settings):
    # Without an api_id the documented hash is sha256 of the entries: anybody can make it.
    settings.SMSRU_API_ID = ""
    message = MessageFactory(status=Message.Status.SENT, provider_message_id="sms-1")
    entry = format_status_entry(sms_id="sms-1", status_code=103, at=_now())
    forged = hashlib.sha256(entry.encode()).hexdigest()

    response = Client().post("/webhooks/sms/smsru/", {"data[0]": entry, "hash": forged})

    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == Message.Status.SENT


# --- CSRF on the admin ---------------------------------------------------------------------


@pytest.fixture
def browser(manager):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    return client


def _token(client, url: str) -> str:
    client.get(url)
    return client.cookies["csrftoken"].value


def test_the_admin_login_refuses_a_post_without_the_csrf_token(manager):
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("admin:login"), {"username": "anna", "password": "pass12345"})

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_an_admin_form_post_without_the_csrf_token_changes_nothing(browser, store_a):
    order = OrderFactory(store=store_a, comment="before")
    url = reverse("admin:orders_order_change", args=[order.pk])

    refused = browser.post(url, {"comment": "after"})

    assert refused.status_code == 403
    order.refresh_from_db()
    assert order.comment == "before"


@pytest.mark.parametrize(
    "url",
    [
        lambda order: reverse("admin:orders_order_payment_action", args=[order.pk, "resend"]),
        lambda order: reverse("admin:deals_deal_reply", args=[order.deal_id]),
        lambda order: reverse("overdue-dashboard"),
    ],
    ids=["payment-button", "deal-reply", "dashboard-reassign"],
)
def test_the_admins_own_post_pages_need_the_csrf_token(browser, store_a, url):
    order = OrderFactory(store=store_a)
    target = url(order)

    refused = browser.post(target, {"text": "Здравствуйте"})
    token = _token(browser, reverse("admin:index"))
    accepted = browser.post(target, {"text": "Здравствуйте"}, HTTP_X_CSRFTOKEN=token)

    assert refused.status_code == 403
    assert accepted.status_code != 403
