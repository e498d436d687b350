"""The real clients against the fake providers: both sides speak the same wire format, and the
sandbox's injected faults are classified the way the demo promises."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import responses

from integrations.errors import PermanentError, TransientError
from integrations.messaging import send_message
from integrations.sandbox.models import SandboxMessage

pytestmark = pytest.mark.usefixtures("sandbox")

HOST = "http://sandbox.test"
RECIPIENTS = {
    "sms": "+7999123{}",
    "telegram": "461{}",
    "whatsapp": "1650555{}",
    "viber": "01234567890A{}",
    "vk": "12{}",
}


@pytest.fixture(autouse=True)
def _through_the_sandbox(settings, client, http):
    settings.SMSRU_API_URL = f"{HOST}/sandbox/smsru"
    settings.TELEGRAM_API_URL = f"{HOST}/sandbox/telegram"
    settings.WHATSAPP_API_URL = f"{HOST}/sandbox/whatsapp"
    settings.VK_API_URL = f"{HOST}/sandbox/vk/method"
    settings.VIBER_API_URL = f"{HOST}/sandbox/viber/pa"

    def forward(request):
        url = urlsplit(request.url)
        body = request.body or b""
        response = client.generic(
            request.method,
            f"{url.path}?{url.query}" if url.query else url.path,
            data=body.encode() if isinstance(body, str) else body,
            content_type=request.headers.get("Content-Type", ""),
            headers={
                name: value
                for name, value in request.headers.items()
                if name in ("Authorization", "X-Viber-Auth-Token")
            },
        )
        return response.status_code, {}, response.content

    http.add_callback(responses.POST, re.compile(rf"{re.escape(HOST)}/.*"), callback=forward)


@pytest.mark.parametrize("channel", RECIPIENTS)
def test_an_accepted_message_comes_back_with_the_sandbox_id(channel):
    delivery = send_message(
        channel=channel,
        recipient=RECIPIENTS[channel].format("4567"),
        text="Заказ готов",
        idempotency_key="k-1",
    )

    message = SandboxMessage.objects.get()
    assert delivery.provider_message_id == message.provider_message_id
    assert message.text == "Заказ готов"


@pytest.mark.parametrize("channel", RECIPIENTS)
def test_a_recipient_ending_in_0000_is_a_transient_error(channel):
    with pytest.raises(TransientError):
        send_message(
            channel=channel,
            recipient=RECIPIENTS[channel].format("0000"),
            text="hi",
            idempotency_key="k-1",
        )


@pytest.mark.parametrize("channel", RECIPIENTS)
def test_a_recipient_ending_in_9999_is_a_permanent_error(channel):
    with pytest.raises(PermanentError):
        send_message(
            channel=channel,
            recipient=RECIPIENTS[channel].format("9999"),
            text="hi",
            idempotency_key="k-1",
        )


def test_a_vk_retry_is_not_sent_twice():
    first = send_message(channel="vk", recipient="124567", text="hi", idempotency_key="k-1")
    again = send_message(channel="vk", recipient="124567", text="hi", idempotency_key="k-1")

    assert first == again
    assert SandboxMessage.objects.count() == 1
