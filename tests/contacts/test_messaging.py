"""Writing to customers: channel choice, idempotent queueing, delivery, retries, failures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.exceptions import ContactError
from contacts.messaging import (
    choose_channel,
    message_deliver,
    message_give_up,
    message_record_status,
    message_send,
)
from contacts.models import Message
from contacts.signals import message_failed
from contacts.tasks import deliver_message_task
from integrations.delivery import Delivery
from integrations.errors import PermanentError, TransientError
from tests.factories import ContactFactory, MessageFactory, UserFactory

pytestmark = pytest.mark.django_db


class FakeProvider:
    """Stands in for `integrations.messaging.send_message`: records calls, answers or raises."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.errors: list[Exception] = []  # raised one per call, then success
        self.always: Exception | None = None

    def __call__(self, *, channel: str, recipient: str, text: str, idempotency_key: str):
        self.calls.append(
            {
                "channel": channel,
                "recipient": recipient,
                "text": text,
                "idempotency_key": idempotency_key,
            }
        )
        if self.always is not None:
            raise self.always
        if self.errors:
            raise self.errors.pop(0)
        return Delivery(provider_message_id=f"provider-{len(self.calls)}")


@pytest.fixture
def provider(monkeypatch):
    fake = FakeProvider()
    monkeypatch.setattr("integrations.messaging.send_message", fake)
    return fake


@pytest.fixture
def failures():
    """The messages `message_failed` was sent with."""
    received: list[Message] = []

    def receiver(sender, message, **kwargs):
        received.append(message)

    message_failed.connect(receiver, weak=False)
    yield received
    message_failed.disconnect(receiver)


@pytest.fixture
def enqueued(monkeypatch):
    """The kwargs of every `deliver_message_task.delay`, instead of a broker."""
    calls: list[dict] = []
    monkeypatch.setattr(deliver_message_task, "delay", lambda **kwargs: calls.append(kwargs))
    return calls


def _run_task(message: Message):
    return deliver_message_task.apply(kwargs={"message_id": message.pk})


# --- choose_channel -----------------------------------------------------------------------


def test_it_writes_to_telegram_when_the_customer_has_every_messenger():
    contact = ContactFactory(telegram_id="111", whatsapp_id="79990001122", viber_id="v", vk_id="5")

    assert choose_channel(contact) == ("telegram", "111")


@pytest.mark.parametrize(
    ("messengers", "expected"),
    [
        ({"whatsapp_id": "7999000", "viber_id": "v", "vk_id": "5"}, ("whatsapp", "7999000")),
        ({"viber_id": "v==", "vk_id": "5"}, ("viber", "v==")),
        ({"vk_id": "5"}, ("vk", "5")),
    ],
)
def test_it_prefers_whatsapp_then_viber_then_vk(messengers, expected):
    contact = ContactFactory(**messengers)

    assert choose_channel(contact) == expected


def test_it_falls_back_to_an_sms_to_the_phone():
    contact = ContactFactory(phone="+79991234567")

    assert choose_channel(contact) == ("sms", "+79991234567")


def test_it_refuses_a_contact_without_phone_or_messenger():
    contact = ContactFactory(phone="", email="only@example.ru")

    with pytest.raises(ContactError) as excinfo:
        choose_channel(contact)
    assert excinfo.value.code == "no_channel"


# --- message_send -------------------------------------------------------------------------


def test_it_queues_the_message_and_enqueues_its_delivery_after_commit(
    django_capture_on_commit_callbacks, enqueued, store_a
):
    contact = ContactFactory(phone="+79991234567")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = message_send(
            contact=contact,
            text=" Заказ №10234 собран ",
            idempotency_key="order:10234:assembled",
            subject=store_a,
            template_code="assembled",
        )
        assert enqueued == []  # not before the commit

    assert len(callbacks) == 1
    assert enqueued == [{"message_id": message.pk}]
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED
    assert (message.channel, message.recipient) == ("sms", "+79991234567")
    assert message.direction == Message.Direction.OUTBOUND
    assert message.text == "Заказ №10234 собран"
    assert message.subject == store_a
    assert message.template_code == "assembled"
    assert list(contact.messages.all()) == [message]


def test_the_same_key_twice_makes_one_message_and_one_task(
    django_capture_on_commit_callbacks, enqueued
):
    contact = ContactFactory()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = message_send(contact=contact, text="Привет", idempotency_key="k-1")
        second = message_send(contact=contact, text="Привет ещё раз", idempotency_key="k-1")

    assert second == first
    assert Message.objects.count() == 1
    assert len(callbacks) == 1
    assert enqueued == [{"message_id": first.pk}]


def test_a_simultaneous_duplicate_gets_the_winners_message_without_an_error(
    monkeypatch, django_capture_on_commit_callbacks, enqueued
):
    contact = ContactFactory(phone="+79991234567")
    winner = {}

    def choose_channel_while_another_request_inserts(contact):
        # Runs between our look-up by key and our INSERT: the other request commits first.
        winner["message"] = MessageFactory(contact=contact, idempotency_key="k-race")
        return "sms", contact.phone

    monkeypatch.setattr(
        "contacts.messaging.choose_channel", choose_channel_while_another_request_inserts
    )

    with django_capture_on_commit_callbacks(execute=True):
        message = message_send(contact=contact, text="Привет", idempotency_key="k-race")

    assert message == winner["message"]
    assert Message.objects.count() == 1
    assert enqueued == []  # the winner enqueued its own delivery


def test_a_forced_channel_needs_the_contacts_id_for_it(enqueued):
    contact = ContactFactory(phone="+79991234567", telegram_id="")

    with pytest.raises(ContactError):
        message_send(contact=contact, text="Привет", idempotency_key="k", channel="telegram")

    message = message_send(contact=contact, text="Привет", idempotency_key="k", channel="sms")
    assert message.channel == "sms"


def test_it_refuses_an_empty_text_or_key(enqueued):
    contact = ContactFactory()

    with pytest.raises(ContactError):
        message_send(contact=contact, text="   ", idempotency_key="k")
    with pytest.raises(ValueError, match="idempotency_key"):
        message_send(contact=contact, text="Привет", idempotency_key="")
    assert not Message.objects.exists()


def test_a_queued_message_is_sent_by_the_task_after_commit(
    monkeypatch, provider, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(
        deliver_message_task, "delay", lambda **kw: deliver_message_task.apply(kwargs=kw)
    )
    contact = ContactFactory(telegram_id="4242")

    with django_capture_on_commit_callbacks(execute=True):
        message = message_send(contact=contact, text="Привет", idempotency_key="k-e2e")

    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert provider.calls == [
        {"channel": "telegram", "recipient": "4242", "text": "Привет", "idempotency_key": "k-e2e"}
    ]


# --- message_deliver ----------------------------------------------------------------------


def test_delivery_stores_the_providers_id_and_marks_it_sent(provider):
    message = MessageFactory(recipient="+79991234567", text="Заказ собран", idempotency_key="k-ok")

    result = message_deliver(message_id=message.pk)

    assert result.status == Message.Status.SENT
    assert result.provider_message_id == "provider-1"
    assert result.sent_at is not None
    assert result.attempts == 1
    assert provider.calls == [
        {
            "channel": "sms",
            "recipient": "+79991234567",
            "text": "Заказ собран",
            "idempotency_key": "k-ok",
        }
    ]


def test_a_transient_error_puts_it_back_in_the_queue_and_is_raised_for_a_retry(provider):
    provider.always = TransientError("smsru: HTTP 503")
    message = MessageFactory()

    with pytest.raises(TransientError):
        message_deliver(message_id=message.pk)

    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED
    assert message.attempts == 1
    assert message.error == "smsru: HTTP 503"


def test_a_permanent_error_marks_it_failed_once_without_a_retry(
    provider, failures, django_capture_on_commit_callbacks
):
    provider.always = PermanentError("smsru: number refused with 202")
    message = MessageFactory()

    with django_capture_on_commit_callbacks(execute=True):
        result = _run_task(message)

    assert result.successful()  # recorded, nothing left to retry
    assert len(provider.calls) == 1
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.error == "smsru: number refused with 202"
    assert failures == [message]


def test_the_task_retries_a_transient_error_and_then_sends(provider, monkeypatch):
    provider.errors = [TransientError("timeout"), TransientError("busy", retry_after=3)]
    message = MessageFactory()
    countdowns = []
    retry = deliver_message_task.retry

    def spy_retry(*args, **kwargs):
        countdowns.append(kwargs.get("countdown"))
        return retry(*args, **kwargs)

    monkeypatch.setattr(deliver_message_task, "retry", spy_retry)

    result = _run_task(message)  # eager: the retries run at once, no waiting

    assert result.successful()
    assert 0 <= countdowns[0] <= 10  # our backoff (with jitter) after the first failure
    assert countdowns[1] == 3  # the pause the provider asked for
    assert len(provider.calls) == 3
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.attempts == 3
    assert message.error == ""


def test_after_the_last_retry_it_gives_up_with_status_error_and_tells_the_manager(
    provider, failures, django_capture_on_commit_callbacks
):
    provider.always = TransientError("smsru: HTTP 503")
    message = MessageFactory()

    with django_capture_on_commit_callbacks(execute=True):
        result = _run_task(message)

    assert result.failed()
    assert len(provider.calls) == 1 + deliver_message_task.max_retries
    message.refresh_from_db()
    assert message.status == Message.Status.ERROR
    assert "smsru: HTTP 503" in message.error
    assert failures == [message]


@pytest.mark.parametrize(
    "status",
    [Message.Status.SENT, Message.Status.DELIVERED, Message.Status.FAILED, Message.Status.ERROR],
)
def test_a_message_that_is_done_is_never_sent_again(provider, failures, status):
    message = MessageFactory(status=status, provider_message_id="old")

    _run_task(message)

    assert provider.calls == []
    message.refresh_from_db()
    assert (message.status, message.provider_message_id) == (status, "old")
    assert failures == []


def test_a_task_delivered_twice_sends_once(provider):
    message = MessageFactory()

    _run_task(message)
    _run_task(message)

    assert len(provider.calls) == 1
    message.refresh_from_db()
    assert message.status == Message.Status.SENT


def test_a_message_another_worker_is_sending_right_now_is_left_to_it(provider):
    message = MessageFactory(status=Message.Status.SENDING, claimed_at=timezone.now())

    result = message_deliver(message_id=message.pk)

    assert provider.calls == []
    assert result.status == Message.Status.SENDING


def test_a_message_stuck_in_sending_by_a_dead_worker_is_sent_again(provider):
    message = MessageFactory(
        status=Message.Status.SENDING, claimed_at=timezone.now() - timedelta(minutes=11)
    )

    result = message_deliver(message_id=message.pk)

    assert len(provider.calls) == 1
    assert result.status == Message.Status.SENT


# --- message_give_up, message_record_status -----------------------------------------------


def test_giving_up_leaves_a_sent_message_alone(failures, django_capture_on_commit_callbacks):
    message = MessageFactory(status=Message.Status.SENT)

    with django_capture_on_commit_callbacks(execute=True):
        message_give_up(message_id=message.pk, error="TransientError: boom")

    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert failures == []


def test_a_delivered_message_never_goes_back(failures, django_capture_on_commit_callbacks):
    at = timezone.now()
    message = MessageFactory(status=Message.Status.SENT, provider_message_id="p-1")

    with django_capture_on_commit_callbacks(execute=True):
        message_record_status(provider_message_id="p-1", delivered=True, failed=False, at=at)
        message_record_status(provider_message_id="p-1", delivered=False, failed=True, at=at)
        message_record_status(
            provider_message_id="p-1", delivered=True, failed=False, at=at + timedelta(hours=1)
        )

    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED
    assert message.delivered_at == at
    assert failures == []


def test_a_not_delivered_status_marks_it_failed_and_tells_the_manager_once(
    failures, django_capture_on_commit_callbacks
):
    message = MessageFactory(status=Message.Status.SENT, provider_message_id="p-2")

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            message_record_status(
                provider_message_id="p-2",
                delivered=False,
                failed=True,
                at=timezone.now(),
                error="expired",
            )

    message.refresh_from_db()
    assert (message.status, message.error) == (Message.Status.FAILED, "expired")
    assert failures == [message]


def test_a_status_for_an_unknown_id_changes_nothing():
    MessageFactory(status=Message.Status.SENT, provider_message_id="p-3")

    assert (
        message_record_status(
            provider_message_id="nope", delivered=True, failed=False, at=timezone.now()
        )
        is None
    )
    assert not Message.objects.filter(status=Message.Status.DELIVERED).exists()


# --- admin --------------------------------------------------------------------------------


def test_the_contact_page_shows_the_conversation_latest_first_read_only(client, manager):
    contact = ContactFactory()
    MessageFactory(contact=contact, text="Первое сообщение")
    MessageFactory(
        contact=contact, text="Второе сообщение", status=Message.Status.FAILED, error="202"
    )
    client.force_login(manager)

    response = client.get(reverse("admin:contacts_contact_change", args=[contact.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("Второе сообщение") < page.index("Первое сообщение")
    assert str(Message.Status.FAILED.label) in page  # «не доставлено»
    assert "messages-0-text" not in page  # not an editable field
    assert 'name="messages-TOTAL_FORMS"' in page


def test_the_message_list_filters_and_finds_by_a_dictated_phone(client):
    lead = UserFactory(username="root", is_superuser=True)
    MessageFactory(contact=ContactFactory(phone="+79991234567"), text="Нужное")
    MessageFactory(contact=ContactFactory(phone="+79997654321"), text="Чужое")
    client.force_login(lead)
    url = reverse("admin:contacts_message_changelist")

    response = client.get(url, {"q": "8 (999) 123-45-67", "status__exact": "queued"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Нужное" in page
    assert "Чужое" not in page
    assert client.get(reverse("admin:contacts_message_add")).status_code == 403


def test_the_contact_page_links_to_all_its_messages_for_whoever_may_see_the_list(
    client, manager, warehouse_user
):
    contact = ContactFactory()
    MessageFactory(contact=contact, text="Наше")
    MessageFactory(text="Чужое")
    change_url = reverse("admin:contacts_contact_change", args=[contact.pk])
    list_url = reverse("admin:contacts_message_changelist")
    link = f"{list_url}?contact__id__exact={contact.pk}"

    client.force_login(warehouse_user)  # reads the card's conversation, not the message list
    page = client.get(change_url).content.decode()
    assert "Наше" in page
    assert link not in page

    client.force_login(manager)
    assert link in client.get(change_url).content.decode()
    page = client.get(list_url, {"contact__id__exact": contact.pk}).content.decode()
    assert "Наше" in page
    assert "Чужое" not in page


def test_lost_queued_and_dead_sending_messages_are_enqueued_again(monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from contacts import messaging
    from contacts.models import Message
    from tests.factories import ContactFactory

    enqueued = []
    monkeypatch.setattr(
        messaging.deliver_message_task,
        "delay_on_commit",
        lambda **kw: enqueued.append(kw["message_id"]),
    )
    contact = ContactFactory()
    now = timezone.now()

    def make(key, status, age, claimed_age=None):
        message = Message.objects.create(
            contact=contact, channel="sms", recipient=contact.phone, text="t",
            idempotency_key=key, status=status,
            claimed_at=None if claimed_age is None else now - claimed_age,
        )  # fmt: skip
        Message.objects.filter(pk=message.pk).update(created_at=now - age)
        return message.pk

    lost = make("lost", "queued", timedelta(minutes=20))
    make("fresh", "queued", timedelta(minutes=1))
    dead = make("dead", "sending", timedelta(minutes=30), claimed_age=timedelta(minutes=11))
    make("busy", "sending", timedelta(minutes=30), claimed_age=timedelta(minutes=1))
    make("sent", "sent", timedelta(hours=1))

    assert messaging.message_requeue_lost(now=now) == 2
    assert sorted(enqueued) == sorted([lost, dead])


def test_a_send_without_an_answer_is_not_retried_and_the_manager_is_told(monkeypatch):
    """A read timeout after the provider got the request must not text the customer twice."""
    from contacts import messaging
    from contacts.models import Message
    from integrations.errors import DeliveryUnknown
    from tests.factories import ContactFactory

    calls = []

    def no_answer(**kwargs):
        calls.append(kwargs)
        raise DeliveryUnknown("smsru did not answer in time; it may have accepted the request")

    monkeypatch.setattr("integrations.messaging.send_message", no_answer)
    message = Message.objects.create(
        contact=ContactFactory(), channel="sms", recipient="+79990000001", text="t",
        idempotency_key="no-answer",
    )  # fmt: skip

    messaging.message_deliver(message_id=message.pk)
    messaging.message_deliver(message_id=message.pk)  # a retried task

    message.refresh_from_db()
    assert len(calls) == 1
    assert message.status == Message.Status.FAILED
    assert "may have accepted" in message.error
