from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qsl

import pytest
import requests
import time_machine

from integrations.sandbox.models import SandboxMessage
from integrations.smsru.client import parse_status_callback

from .conftest import SITE

pytestmark = pytest.mark.usefixtures("sandbox")

WEBHOOK = f"{SITE}/webhooks/sms/smsru/"


def _notices(response) -> list[tuple[str, str]]:
    # Levels, not wording: the page is translated.
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def _sms(**kwargs) -> SandboxMessage:
    defaults = {
        "provider": SandboxMessage.Provider.SMSRU,
        "recipient": "+79991234567",
        "text": "Заказ №42 готов",
        "provider_message_id": "260101-1000001",
    }
    return SandboxMessage.objects.create(**{**defaults, **kwargs})


def test_it_lists_the_messages_with_a_delivered_button_for_sms(client):
    sms = _sms()
    SandboxMessage.objects.create(
        provider=SandboxMessage.Provider.VK, recipient="123", text="ВК", provider_message_id="7"
    )

    response = client.get("/sandbox/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Заказ №42 готов" in page
    assert "260101-1000001" in page
    assert "ВК" in page
    # Only SMS.ru messages get the button: only SMS.ru sends delivery callbacks here.
    assert page.count('action="/sandbox/smsru/deliver/') == 1
    assert f'action="/sandbox/smsru/deliver/{sms.pk}/"' in page


def test_it_shows_only_the_latest_200(client):
    SandboxMessage.objects.bulk_create(
        SandboxMessage(provider="vk", recipient="1", text=f"n{i}", provider_message_id=str(i))
        for i in range(201)
    )

    response = client.get("/sandbox/")

    assert len(response.context["sandbox_messages"]) == 200


def test_delivered_marks_the_sms_and_posts_a_signed_callback(client, http, settings):
    http.post(WEBHOOK, body="100")
    sms = _sms()

    with time_machine.travel(datetime(2026, 1, 1, 12, 0, tzinfo=UTC), tick=False):
        response = client.post(f"/sandbox/smsru/deliver/{sms.pk}/", follow=True)

    sms.refresh_from_db()
    assert sms.delivered_at == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    form = dict(parse_qsl(http.calls[0].request.body))
    [status] = parse_status_callback(form, api_id=settings.SMSRU_API_ID)
    assert (status.sms_id, status.status_code, status.delivered) == ("260101-1000001", 103, True)
    assert status.at == sms.delivered_at
    assert [level for level, _ in _notices(response)] == ["success"]


def test_delivered_still_marks_the_sms_when_the_webhook_is_down(client, http):
    http.post(WEBHOOK, body=requests.exceptions.ConnectionError())
    sms = _sms()

    response = client.post(f"/sandbox/smsru/deliver/{sms.pk}/", follow=True)

    sms.refresh_from_db()
    assert sms.delivered_at is not None
    [(level, text)] = _notices(response)
    assert level == "warning"
    assert WEBHOOK in text


def test_delivered_reports_a_webhook_that_does_not_answer_100(client, http):
    http.post(WEBHOOK, status=200, body="ok")

    response = client.post(f"/sandbox/smsru/deliver/{_sms().pk}/", follow=True)

    [(level, text)] = _notices(response)
    assert level == "warning"
    assert "ok" in text


def test_delivered_is_only_for_sms(client):
    other = _sms(provider=SandboxMessage.Provider.TELEGRAM)

    assert client.post(f"/sandbox/smsru/deliver/{other.pk}/").status_code == 404


def test_delivered_needs_post(client):
    assert client.get(f"/sandbox/smsru/deliver/{_sms().pk}/").status_code == 405
