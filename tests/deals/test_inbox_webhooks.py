"""The messenger webhooks end to end: real-format payloads → contact, message, deal."""

from __future__ import annotations

import pytest
from django.test import Client

from contacts.models import Contact, Message
from deals.choices import Channel
from deals.models import Deal
from integrations.viber.updates import sign as viber_sign
from integrations.whatsapp.updates import sign as whatsapp_sign
from tests import messenger_payloads as p
from tests.factories import ContactFactory, DealFactory, MessageFactory, StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _inbox_settings(settings):
    settings.TELEGRAM_WEBHOOK_SECRET = p.TG_SECRET
    settings.WHATSAPP_APP_SECRET = p.WA_APP_SECRET
    settings.WHATSAPP_VERIFY_TOKEN = p.WA_VERIFY_TOKEN
    settings.VK_CALLBACK_SECRET = p.VK_SECRET
    settings.VK_CONFIRMATION_CODE = p.VK_CONFIRMATION
    settings.VK_GROUP_ID = p.VK_GROUP_ID
    settings.VIBER_AUTH_TOKEN = p.VIBER_TOKEN
    settings.INBOX_STORE_CODE = ""


@pytest.fixture
def store(db):
    return StoreFactory(code="dom", name="Уютный дом")


@pytest.fixture
def platform():
    # The platforms have no CSRF token: the views must not need one.
    return Client(enforce_csrf_checks=True)


def post_telegram(client, payload, *, secret=p.TG_SECRET, header=p.TG_SECRET):
    headers = {"X-Telegram-Bot-Api-Secret-Token": header} if header is not None else {}
    return client.post(
        f"/webhooks/telegram/{secret}/", p.body(payload), "application/json", headers=headers
    )


def post_whatsapp(client, payload, *, app_secret=p.WA_APP_SECRET):
    raw = p.body(payload)
    return client.post(
        "/webhooks/whatsapp/",
        raw,
        "application/json",
        headers={"X-Hub-Signature-256": whatsapp_sign(raw, app_secret=app_secret)},
    )


def post_vk(client, payload):
    return client.post("/webhooks/vk/", p.body(payload), "application/json")


def post_viber(client, payload, *, token=p.VIBER_TOKEN):
    raw = p.body(payload)
    return client.post(
        "/webhooks/viber/",
        raw,
        "application/json",
        headers={"X-Viber-Content-Signature": viber_sign(raw, auth_token=token)},
    )


def _written() -> tuple[int, int, int]:
    return Contact.objects.count(), Message.objects.count(), Deal.objects.count()


# --- per platform: a first message opens a deal in its channel ----------------------------


def test_telegram_first_message_creates_contact_message_and_deal(platform, store):
    response = post_telegram(platform, p.telegram_update(update_id=1, chat_id=555))

    assert response.status_code == 200
    message = Message.objects.get()
    assert message.contact.telegram_id == "555"
    assert message.contact.full_name == "Иван Петров"
    deal = Deal.objects.get()
    assert (deal.channel, deal.store, deal.contact) == (Channel.TELEGRAM, store, message.contact)
    assert deal.stage == Deal.Stage.NEW
    assert deal.title.startswith("Заказ №")
    assert message.subject == deal


def test_whatsapp_first_message_finds_the_customer_by_phone(platform, store):
    customer = ContactFactory(phone="+79161234567")

    response = post_whatsapp(platform, p.whatsapp_event(wa_id="79161234567"))

    assert response.status_code == 200
    message = Message.objects.get()
    assert message.contact == customer
    customer.refresh_from_db()
    assert customer.whatsapp_id == "79161234567"
    assert Deal.objects.get().channel == Channel.WHATSAPP


def test_vk_message_answers_ok_and_opens_a_deal(platform, store):
    response = post_vk(platform, p.vk_message_new(from_id=567890))

    assert response.status_code == 200
    assert response.content == b"ok"
    assert Message.objects.get().contact.vk_id == "567890"
    assert Deal.objects.get().channel == Channel.VK


def test_viber_message_opens_a_deal(platform, store):
    response = post_viber(platform, p.viber_message(user_id="01234567890A="))

    assert response.status_code == 200
    message = Message.objects.get()
    assert message.contact.viber_id == "01234567890A="
    assert message.idempotency_key == "in:viber:4912661846655238145"
    assert Deal.objects.get().channel == Channel.VIBER


def test_the_inbox_store_setting_chooses_the_store(platform, store, settings):
    sport = StoreFactory(code="sport")
    settings.INBOX_STORE_CODE = "sport"

    post_telegram(platform, p.telegram_update())

    assert Deal.objects.get().store == sport


# --- the conversation goes on -------------------------------------------------------------


def test_a_second_message_lands_on_the_open_deal(platform, store):
    post_telegram(platform, p.telegram_update(update_id=1, message_id=1))
    post_telegram(platform, p.telegram_update(update_id=2, message_id=2, text="Ещё вопрос"))

    deal = Deal.objects.get()
    assert Message.objects.count() == 2
    assert all(m.subject == deal for m in Message.objects.all())


def test_a_customer_with_an_open_deal_from_the_website_writes_into_it(platform, store):
    customer = ContactFactory(phone="+79161234567")
    open_deal = DealFactory(contact=customer, store=store, channel=Channel.SITE)

    post_whatsapp(platform, p.whatsapp_event(wa_id="79161234567"))

    assert Deal.objects.get() == open_deal
    assert Message.objects.get().subject == open_deal


def test_a_customer_whose_deals_are_closed_gets_a_new_deal(platform, store):
    customer = ContactFactory(telegram_id="555")
    DealFactory(contact=customer, store=store, stage=Deal.Stage.LOST)

    post_telegram(platform, p.telegram_update(chat_id=555))

    assert Deal.objects.filter(contact=customer, stage=Deal.Stage.NEW).count() == 1


# --- repeats write nothing ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("send", "payload"),
    [
        (post_telegram, p.telegram_update()),
        (post_whatsapp, p.whatsapp_event()),
        (post_vk, p.vk_message_new()),
        (post_viber, p.viber_message()),
    ],
    ids=["telegram", "whatsapp", "vk", "viber"],
)
def test_a_repeated_delivery_writes_nothing_and_is_acknowledged(platform, store, send, payload):
    first = send(platform, payload)
    written = _written()

    again = send(platform, payload)

    assert again.status_code == first.status_code == 200
    assert again.content == first.content
    assert _written() == written == (1, 1, 1)


# --- bad secrets and signatures: 403, nothing written --------------------------------------


@pytest.mark.parametrize(
    "send",
    [
        lambda c: post_telegram(c, p.telegram_update(), header="wrong"),
        lambda c: post_telegram(c, p.telegram_update(), header=None),
        lambda c: post_telegram(c, p.telegram_update(), secret="wrong"),
        lambda c: post_whatsapp(c, p.whatsapp_event(), app_secret="wrong"),
        lambda c: c.post("/webhooks/whatsapp/", p.body(p.whatsapp_event()), "application/json"),
        lambda c: post_vk(c, p.vk_message_new(secret="wrong")),
        lambda c: post_viber(c, p.viber_message(), token="wrong"),
        lambda c: c.post("/webhooks/viber/", p.body(p.viber_message()), "application/json"),
    ],
    ids=[
        "telegram-header",
        "telegram-no-header",
        "telegram-url",
        "whatsapp-signature",
        "whatsapp-unsigned",
        "vk-secret",
        "viber-signature",
        "viber-unsigned",
    ],
)
def test_a_bad_secret_or_signature_is_refused_with_403_and_nothing_written(platform, store, send):
    response = send(platform)

    assert response.status_code == 403
    assert _written() == (0, 0, 0)


def test_a_signed_but_unreadable_payload_is_a_400(platform, store):
    raw = b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages",'
    response = platform.post(
        "/webhooks/whatsapp/",
        raw,
        "application/json",
        headers={"X-Hub-Signature-256": whatsapp_sign(raw, app_secret=p.WA_APP_SECRET)},
    )

    assert response.status_code == 400
    assert _written() == (0, 0, 0)


# --- handshakes ---------------------------------------------------------------------------


def test_whatsapp_handshake_echoes_the_challenge(platform):
    response = platform.get(
        "/webhooks/whatsapp/",
        {
            "hub.mode": "subscribe",
            "hub.challenge": "1158201444",
            "hub.verify_token": p.WA_VERIFY_TOKEN,
        },
    )

    assert response.status_code == 200
    assert response.content == b"1158201444"


def test_whatsapp_handshake_with_a_wrong_token_is_403(platform):
    response = platform.get(
        "/webhooks/whatsapp/",
        {"hub.mode": "subscribe", "hub.challenge": "1", "hub.verify_token": "wrong"},
    )

    assert response.status_code == 403


def test_vk_confirmation_answers_the_confirmation_string(platform):
    response = post_vk(platform, {"type": "confirmation", "group_id": int(p.VK_GROUP_ID)})

    assert response.status_code == 200
    assert response.content.decode() == p.VK_CONFIRMATION


def test_vk_confirmation_of_another_community_is_403(platform):
    response = post_vk(platform, {"type": "confirmation", "group_id": 1})

    assert response.status_code == 403


# --- statuses of our own messages ---------------------------------------------------------


def test_whatsapp_delivery_status_marks_our_message_delivered(platform):
    sent = MessageFactory(
        channel=Message.Channel.WHATSAPP,
        recipient="79161234567",
        status=Message.Status.SENT,
        provider_message_id="wamid.out",
    )

    response = post_whatsapp(platform, p.whatsapp_status(message_id="wamid.out", status="read"))

    assert response.status_code == 200
    sent.refresh_from_db()
    assert sent.status == Message.Status.DELIVERED
    assert Deal.objects.count() == 0


def test_viber_failed_event_marks_our_message_failed(platform):
    sent = MessageFactory(
        channel=Message.Channel.VIBER,
        recipient="u",
        status=Message.Status.SENT,
        provider_message_id="5000000000000000001",
    )
    payload = {
        "event": "failed",
        "timestamp": p.UNIX * 1000,
        "message_token": 5000000000000000001,
        "user_id": "u",
        "desc": "receiver is not subscribed",
    }

    post_viber(platform, payload)

    sent.refresh_from_db()
    assert sent.status == Message.Status.FAILED
    assert "not subscribed" in sent.error


def test_without_the_sandbox_unset_secrets_are_empty_and_refuse_everything(platform, store):
    import importlib
    import os

    from orders_office import settings as project_settings

    names = ["TELEGRAM_WEBHOOK_SECRET", "WHATSAPP_APP_SECRET", "VK_CALLBACK_SECRET"]
    saved = {name: os.environ.pop(name, None) for name in [*names, "SANDBOX_ENABLED"]}
    try:
        fresh = importlib.reload(project_settings)
        assert [getattr(fresh, name) for name in names] == ["", "", ""]
    finally:
        for name, value in saved.items():
            if value is not None:
                os.environ[name] = value
        importlib.reload(project_settings)


def test_an_empty_secret_refuses_even_an_empty_token(platform, store, settings):
    settings.TELEGRAM_WEBHOOK_SECRET = ""

    response = post_telegram(
        platform, p.telegram_update(update_id=1, chat_id=555), secret="-", header=""
    )

    assert response.status_code == 403
    assert _written() == (0, 0, 0)


@pytest.mark.parametrize(
    "send",
    [
        lambda c: post_telegram(
            c, {"update_id": 7, "message": {"message_id": 1, "date": 1, "from": "x", "chat": "y"}}
        ),
        lambda c: post_telegram(
            c,
            {
                "update_id": 8,
                "message": {
                    "message_id": 1,
                    "date": 10**20,
                    "from": {"id": 1},
                    "chat": {"id": 1, "type": "private"},
                    "text": "hi",
                },
            },
        ),
        lambda c: post_viber(
            c,
            {"event": "message", "timestamp": 1, "message_token": 5, "sender": "x", "message": "y"},
        ),
        lambda c: post_vk(
            c,
            {
                "type": "message_new",
                "event_id": "e",
                "group_id": int(p.VK_GROUP_ID),
                "secret": p.VK_SECRET,
                "object": {
                    "message": {
                        "id": 1,
                        "date": 1,
                        "from_id": 5,
                        "peer_id": 5,
                        "text": "",
                        "attachments": {"type": "photo"},
                    }
                },
            },
        ),
    ],
)
def test_signed_payloads_of_an_odd_shape_never_answer_500(platform, store, send):
    response = send(platform)

    assert response.status_code < 500
    assert Deal.objects.count() <= 1
