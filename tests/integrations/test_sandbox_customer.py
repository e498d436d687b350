"""«Write as a customer»: the sandbox posts a correctly signed webhook in each platform's
format to our own endpoint, and the message lands on a deal."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import responses
from django.test import Client
from django.urls import include, path

from contacts.models import Message
from deals.models import Deal
from tests.factories import StoreFactory

from .conftest import SITE

urlpatterns = [
    path("sandbox/", include("integrations.sandbox.urls")),
    path("webhooks/", include("deals.webhook_urls")),
]


@pytest.fixture(autouse=True)
def _our_server(settings, db):
    """The sandbox and our webhooks on one URLconf; the sandbox's HTTP call to SITE_URL is
    answered by the Django test client, headers and raw body as sent."""
    settings.ROOT_URLCONF = __name__
    settings.TELEGRAM_WEBHOOK_SECRET = "tg-secret"
    settings.WHATSAPP_APP_SECRET = "wa-secret"
    settings.VK_CALLBACK_SECRET = "vk-secret"
    settings.VK_GROUP_ID = ""
    settings.INBOX_STORE_CODE = ""
    StoreFactory(code="dom")

    def forward(request):
        headers = {k: v for k, v in request.headers.items() if k.startswith("X-")}
        answer = Client().post(
            urlsplit(request.url).path, request.body, "application/json", headers=headers
        )
        return answer.status_code, {}, answer.content

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, re.compile(f"{SITE}/webhooks/.*"), callback=forward)
        yield mock


@pytest.mark.parametrize(
    ("platform", "sender", "field"),
    [
        ("telegram", "111222333", "telegram_id"),
        ("whatsapp", "79161234567", "whatsapp_id"),
        ("vk", "567890", "vk_id"),
        ("viber", "01234567890A=", "viber_id"),
    ],
)
def test_a_customer_message_reaches_a_deal_through_the_signed_webhook(
    client, platform, sender, field
):
    response = client.post(
        "/sandbox/customer/",
        {"platform": platform, "sender_id": "", "name": "Иван", "text": "Есть в наличии?"},
        follow=True,
    )

    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    message = Message.objects.get()
    assert message.text == "Есть в наличии?"
    assert getattr(message.contact, field) == sender
    assert Deal.objects.get().channel == platform


def test_each_message_is_a_new_event(client):
    data = {"platform": "telegram", "sender_id": "5", "name": "Иван", "text": "Раз"}

    client.post("/sandbox/customer/", data)
    client.post("/sandbox/customer/", {**data, "text": "Два"})

    assert Message.objects.count() == 2
    assert Deal.objects.count() == 1


def test_a_customer_id_in_the_wrong_shape_is_refused_by_the_form(client):
    response = client.post(
        "/sandbox/customer/",
        {"platform": "vk", "sender_id": "abc", "name": "", "text": "x"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert Message.objects.count() == 0


def test_the_page_shows_the_form(client):
    response = client.get("/sandbox/customer/")

    assert response.status_code == 200
    assert "Написать как покупатель" in response.content.decode()
