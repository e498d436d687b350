"""The deal page conversation, replies through the customer's messenger, unread counts."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import responses
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from contacts.inbox import message_receive
from contacts.models import Message
from contacts.tasks import deliver_message_task
from deals.models import Deal
from tests.factories import ContactFactory, DealFactory, MessageFactory

pytestmark = pytest.mark.django_db

TELEGRAM = "https://telegram.test"
WHATSAPP = "https://graph.test"
AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _providers(settings):
    settings.TELEGRAM_API_URL = TELEGRAM
    settings.TELEGRAM_BOT_TOKEN = "123:test"
    settings.WHATSAPP_API_URL = WHATSAPP
    settings.WHATSAPP_PHONE_NUMBER_ID = "100000000000001"


@pytest.fixture
def anna(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def lead(client, team_lead):
    client.force_login(team_lead)
    return client


@pytest.fixture
def delivered_now(monkeypatch):
    """Run the delivery task at once instead of queueing it."""
    monkeypatch.setattr(
        deliver_message_task, "delay", lambda **kw: deliver_message_task.apply(kwargs=kw)
    )


def _inbound(deal: Deal, *, channel="telegram", event_id="1", text="Здравствуйте") -> Message:
    sender = {"telegram": deal.contact.telegram_id, "whatsapp": deal.contact.whatsapp_id}[channel]
    message, _ = message_receive(
        channel=channel, event_id=event_id, sender_id=sender, text=text, at=AT
    )
    message.content_type = ContentType.objects.get_for_model(Deal)
    message.object_id = deal.pk
    message.save()
    return message


@pytest.fixture
def deal(store_a):
    contact = ContactFactory(telegram_id="555", whatsapp_id="79161234567")
    return DealFactory(store=store_a, contact=contact, channel="telegram")


def _change_url(deal: Deal) -> str:
    return reverse("admin:deals_deal_change", args=[deal.pk])


def _reply_url(deal: Deal) -> str:
    return reverse("admin:deals_deal_reply", args=[deal.pk])


def test_the_deal_page_shows_the_conversation_newest_last(anna, deal):
    MessageFactory(contact=deal.contact, text="Ваш заказ собран")
    _inbound(deal, text="Спасибо, когда доставка?")

    response = anna.get(_change_url(deal))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Переписка" in page
    assert page.index("Ваш заказ собран") < page.index("Спасибо, когда доставка?")
    assert [m.text for m in response.context["conversation"]] == [
        "Ваш заказ собран",
        "Спасибо, когда доставка?",
    ]


def test_opening_the_deal_marks_its_messages_read(anna, deal):
    message = _inbound(deal)
    list_url = reverse("admin:deals_deal_changelist")
    assert anna.get(list_url).context["cl"].result_list[0]._unread == 1

    anna.get(_change_url(deal))

    message.refresh_from_db()
    assert message.read_at is not None
    assert anna.get(list_url).context["cl"].result_list[0]._unread == 0


def test_a_viewer_who_cannot_edit_the_deal_leaves_them_unread(client, deal, warehouse_user):
    from django.contrib.auth.models import Permission

    warehouse_user.user_permissions.add(Permission.objects.get(codename="view_deal"))
    client.force_login(warehouse_user)
    message = _inbound(deal)

    response = client.get(_change_url(deal))

    assert response.status_code == 200
    assert "reply_form" not in response.context
    message.refresh_from_db()
    assert message.read_at is None


def test_the_reply_defaults_to_the_channel_the_customer_last_wrote_from(anna, deal):
    _inbound(deal, channel="telegram", event_id="1")
    _inbound(deal, channel="whatsapp", event_id="wamid.2")

    form = anna.get(_change_url(deal)).context["reply_form"]

    assert form.initial["reply_channel"] == "whatsapp"
    assert dict(form.fields["reply_channel"].choices).keys() == {"telegram", "whatsapp", "sms"}


@responses.activate
def test_a_reply_goes_out_through_the_chosen_messenger(
    anna, deal, delivered_now, django_capture_on_commit_callbacks
):
    send = responses.post(
        f"{TELEGRAM}/bot123:test/sendMessage",
        json={"ok": True, "result": {"message_id": 77, "chat": {"id": 555}, "date": 0}},
    )
    key = "0b7c6a52-5f8e-4c3b-9a62-1d2e3f405162"

    with django_capture_on_commit_callbacks(execute=True):
        response = anna.post(
            _reply_url(deal),
            {"reply_channel": "telegram", "reply_text": "Доставим завтра", "reply_key": key},
        )

    assert response.status_code == 302
    assert response["Location"].endswith(f"{_change_url(deal)}#conversation")
    assert json.loads(send.calls[0].request.body) == {"chat_id": 555, "text": "Доставим завтра"}
    reply = Message.objects.get(direction=Message.Direction.OUTBOUND)
    assert (reply.channel, reply.recipient, reply.status) == ("telegram", "555", "sent")
    assert reply.subject == deal
    assert reply.idempotency_key == f"deal:{deal.pk}:reply:{key}"


def test_the_same_reply_form_sent_twice_sends_one_message(anna, deal):
    data = {
        "reply_channel": "whatsapp",
        "reply_text": "Добрый день",
        "reply_key": "0b7c6a52-5f8e-4c3b-9a62-1d2e3f405162",
    }

    anna.post(_reply_url(deal), data)
    anna.post(_reply_url(deal), data)

    assert Message.objects.filter(direction=Message.Direction.OUTBOUND).count() == 1


def test_an_empty_reply_sends_nothing(anna, deal):
    response = anna.post(
        _reply_url(deal),
        {
            "reply_channel": "telegram",
            "reply_text": "  ",
            "reply_key": "0b7c6a52-5f8e-4c3b-9a62-1d2e3f405162",
        },
        follow=True,
    )

    assert Message.objects.count() == 0
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_a_manager_of_another_store_cannot_reply(client, other_manager, deal):
    client.force_login(other_manager)

    response = client.post(
        _reply_url(deal),
        {
            "reply_channel": "telegram",
            "reply_text": "x",
            "reply_key": "0b7c6a52-5f8e-4c3b-9a62-1d2e3f405162",
        },
    )

    assert response.status_code == 404
    assert Message.objects.count() == 0


def test_the_unread_filter_lists_only_deals_with_unread_messages(anna, deal, store_a):
    quiet = DealFactory(store=store_a)
    _inbound(deal)

    response = anna.get(reverse("admin:deals_deal_changelist"), {"unread": "yes"})

    assert list(response.context["cl"].result_list) == [deal]
    assert quiet not in response.context["cl"].result_list
    assert "Есть непрочитанные" in response.content.decode()


@pytest.mark.parametrize("rows", [5, 30])
def test_the_unread_counts_cost_the_same_queries_for_any_page_size(
    lead, store_a, rows, django_assert_max_num_queries
):
    for n in range(rows):
        deal = DealFactory(store=store_a, contact=ContactFactory(telegram_id=str(1000 + n)))
        _inbound(deal, event_id=str(n))
    with django_assert_max_num_queries(14):
        response = lead.get(reverse("admin:deals_deal_changelist"))
    result = response.context["cl"].result_list
    assert len(result) == rows
    assert all(deal._unread == 1 for deal in result)


def test_the_conversation_shows_only_the_managers_stores(anna, store_a, store_b):
    customer = ContactFactory(telegram_id="555")
    mine = DealFactory(store=store_a, contact=customer)
    theirs = DealFactory(store=store_b, contact=customer)
    _inbound(mine, event_id="1", text="Про мой заказ в Уютном доме")
    other = _inbound(theirs, event_id="2", text="Секрет Спорт-Профи")

    page = anna.get(reverse("admin:deals_deal_change", args=[mine.pk])).content.decode()

    assert "Про мой заказ в Уютном доме" in page
    assert "Секрет Спорт-Профи" not in page
    other.refresh_from_db()
    assert other.read_at is None  # store B's manager has not read it
