"""POST /webhooks/sms/smsru/: SMS.ru delivery statuses, signed with the documented hash."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from django.test import Client

from contacts.models import Message
from contacts.signals import message_failed
from integrations.smsru.client import format_status_entry, sign_status_callback
from tests.factories import ContactFactory, MessageFactory

pytestmark = pytest.mark.django_db

URL = "/webhooks/sms/smsru/"
API_ID = "test-api-id"
AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
DELIVERED, ON_ITS_WAY, EXPIRED = 103, 102, 104


@pytest.fixture(autouse=True)
def _api_id(settings):
    settings.SMSRU_API_ID = API_ID


@pytest.fixture
def smsru():
    # SMS.ru has no CSRF token: the view must not need one.
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def failures():
    received: list[Message] = []

    def receiver(sender, message, **kwargs):
        received.append(message)

    message_failed.connect(receiver, weak=False)
    yield received
    message_failed.disconnect(receiver)


def _callback(*statuses: tuple[str, int], api_id: str = API_ID) -> dict[str, str]:
    entries = [
        format_status_entry(sms_id=sms_id, status_code=code, at=AT) for sms_id, code in statuses
    ]
    return sign_status_callback(entries, api_id=api_id)


def test_a_signed_delivered_status_marks_the_sms_delivered_and_answers_100(smsru):
    message = MessageFactory(status=Message.Status.SENT, provider_message_id="000000-10000001")

    response = smsru.post(URL, _callback(("000000-10000001", DELIVERED)))

    assert response.status_code == 200
    assert response.content == b"100"
    assert response["Content-Type"].startswith("text/plain")
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED
    assert message.delivered_at == AT


def test_a_repeated_callback_changes_nothing_more(
    smsru, failures, django_capture_on_commit_callbacks
):
    message = MessageFactory(status=Message.Status.SENT, provider_message_id="sms-1")
    form = _callback(("sms-1", EXPIRED))

    with django_capture_on_commit_callbacks(execute=True):
        first = smsru.post(URL, form)
        second = smsru.post(URL, form)

    assert (first.content, second.content) == (b"100", b"100")
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert "104" in message.error
    assert failures == [message]  # the manager hears about it once


def test_one_callback_may_carry_several_statuses(smsru):
    delivered = MessageFactory(status=Message.Status.SENT, provider_message_id="sms-a")
    on_its_way = MessageFactory(status=Message.Status.SENT, provider_message_id="sms-b")

    response = smsru.post(URL, _callback(("sms-a", DELIVERED), ("sms-b", ON_ITS_WAY)))

    assert response.content == b"100"
    delivered.refresh_from_db()
    on_its_way.refresh_from_db()
    assert delivered.status == Message.Status.DELIVERED
    assert on_its_way.status == Message.Status.SENT


def test_a_late_failure_does_not_undo_a_delivery(smsru):
    message = MessageFactory(status=Message.Status.DELIVERED, provider_message_id="sms-1")

    smsru.post(URL, _callback(("sms-1", EXPIRED)))

    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED


def test_a_bad_hash_is_refused_and_changes_nothing(smsru):
    message = MessageFactory(status=Message.Status.SENT, provider_message_id="sms-1")

    response = smsru.post(URL, _callback(("sms-1", DELIVERED), api_id="someone-elses-key"))

    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == Message.Status.SENT


def test_a_missing_hash_is_refused(smsru):
    form = _callback(("sms-1", DELIVERED))
    del form["hash"]

    assert smsru.post(URL, form).status_code == 403


def test_an_unknown_sms_id_is_logged_without_personal_data_and_still_answered(smsru, caplog):
    MessageFactory(
        contact=ContactFactory(phone="+79991234567"),
        status=Message.Status.SENT,
        provider_message_id="sms-known",
    )

    with caplog.at_level(logging.INFO, logger="contacts.views"):
        response = smsru.post(URL, _callback(("sms-unknown", DELIVERED)))

    assert (response.status_code, response.content) == (200, b"100")
    assert "sms-unknown" in caplog.text
    assert "+7999" not in caplog.text
    assert not Message.objects.filter(status=Message.Status.DELIVERED).exists()


def test_an_sms_id_of_another_channel_is_not_touched(smsru):
    telegram = MessageFactory(
        channel=Message.Channel.TELEGRAM, status=Message.Status.SENT, provider_message_id="77"
    )

    smsru.post(URL, _callback(("77", DELIVERED)))

    telegram.refresh_from_db()
    assert telegram.status == Message.Status.SENT


def test_a_signed_but_unreadable_entry_is_a_bad_request(smsru):
    form = sign_status_callback(["sms_status\nsms-1\nnot-a-code\n0"], api_id=API_ID)

    assert smsru.post(URL, form).status_code == 400


def test_only_post_is_accepted(smsru):
    assert smsru.get(URL).status_code == 405
