"""No phone, e-mail or secret in the logs: our own lines write ids and masked recipients, and
the log handler (integrations.redaction.RedactFilter, settings.LOGGING) masks what comes from
elsewhere, such as a provider's error text that quotes the number."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
import responses

from contacts.messaging import message_deliver
from contacts.models import Message
from integrations.redaction import RedactFilter, redact
from orders.admin_reports import csv_cell
from tests import messenger_payloads as p
from tests.factories import ContactFactory, MessageFactory, ProductFactory
from tests.orders.api_client import signed_post, site_order

pytestmark = pytest.mark.django_db

#: The customer of every flow below, in the shapes a log line could carry them.
PHONE_SHAPES = ["9161234567", "916) 123-45-67", "916 123 45 67", "916-123-45-67"]
EMAIL = "irina@example.ru"


def _assert_no_personal_data(text: str) -> None:
    for shape in PHONE_SHAPES:
        assert shape not in text
    squeezed = "".join(ch for ch in text if ch not in " -()")
    assert "9161234567" not in squeezed
    assert EMAIL not in text.lower()
    assert "Петрова" not in text


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def test_an_order_from_the_website_logs_no_customer_data(client, store_a, logs):
    ProductFactory(sku="KETTLE-01", price=Decimal("2490.00"))
    ProductFactory(sku="MUG-02", price=Decimal("350.00"))

    created = signed_post(client, store_a, site_order())
    refused = signed_post(client, store_a, site_order("A-2", items=[]))

    assert (created.status_code, refused.status_code) == (201, 400)
    assert logs.records  # the flow does log; what it logs carries no customer data
    _assert_no_personal_data(logs.text)


def test_a_messenger_webhook_with_a_contact_card_logs_no_phone(client, store_a, settings, logs):
    settings.TELEGRAM_WEBHOOK_SECRET = p.TG_SECRET
    card = {"phone_number": "79161234567", "first_name": "Ирина", "user_id": 111222333}
    update = p.telegram_update(text=None, contact=card)

    response = client.post(
        f"/webhooks/telegram/{p.TG_SECRET}/",
        p.body(update),
        "application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": p.TG_SECRET},
    )

    assert response.status_code == 200
    assert logs.records
    _assert_no_personal_data(logs.text)


def test_a_failed_sms_logs_no_phone_even_when_the_provider_quotes_it(settings, logs):
    settings.SMSRU_API_URL = "https://sms.test"
    settings.SMSRU_API_ID = "test-api-id"
    message = MessageFactory(contact=ContactFactory(phone="+79161234567", email=EMAIL))
    refusal = {
        "status": "OK",
        "status_code": 100,
        "sms": {
            "79161234567": {
                "status": "ERROR",
                "status_code": 202,
                "status_text": "Неправильно указан номер телефона получателя 79161234567",
            }
        },
    }
    # What the handler in settings.LOGGING does to every record before it is written.
    logs.handler.addFilter(RedactFilter())

    with responses.RequestsMock() as mock:
        mock.post("https://sms.test/sms/send", json=refusal)
        message_deliver(message_id=message.pk)

    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert any("failed" in record.getMessage() for record in logs.records)
    _assert_no_personal_data(logs.text)
    assert "…4567" in logs.text


def test_the_project_log_handler_masks_personal_data():
    handlers = logging.getLogger().handlers

    assert any(any(isinstance(f, RedactFilter) for f in handler.filters) for handler in handlers)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("SMS to +79161234567 refused", "SMS to …4567 refused"),
        ("call 8 (916) 123-45-67 now", "call …4567 now"),
        ("number 7 916 123 45 67.", "number …4567."),
        ("+44 20 7946 0958 abroad", "…0958 abroad"),
        ("from Irina.P+shop@Example.ru", "from …@Example.ru"),
        # ids, sums, times and UUIDs stay as they are
        ("order 10045 of 2490.00 at 1772366400", "order 10045 of 2490.00 at 1772366400"),
        (
            "payment 2d9f1c4e-000f-5000-9000-1b5b1e7c8f11",
            "payment 2d9f1c4e-000f-5000-9000-1b5b1e7c8f11",
        ),
        ("sms 000000-100000001 sent", "sms 000000-100000001 sent"),
    ],
)
def test_redact_masks_phones_and_emails_only(text, masked):
    assert redact(text) == masked


def test_redact_hides_the_configured_secrets(settings):
    settings.TELEGRAM_WEBHOOK_SECRET = "tg-secret-in-the-url"

    line = redact("Bad Request: /webhooks/telegram/tg-secret-in-the-url/")

    assert line == "Bad Request: /webhooks/telegram/***/"


def test_the_filter_rewrites_arguments_and_tracebacks():
    try:
        raise ValueError("bad phone +79161234567")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "contact %s: %s", ("a@b.ru", 5), sys.exc_info()
        )

    assert RedactFilter().filter(record) is True
    assert record.getMessage() == "contact …@b.ru: 5"
    assert "+79161234567" not in record.exc_text
    assert "…4567" in record.exc_text


# --- CSV exports: a customer's name is text, never a formula -------------------------------


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (
            '=HYPERLINK("http://evil.example","Иванов")',
            '\'=HYPERLINK("http://evil.example","Иванов")',
        ),
        ("+79161234567", "'+79161234567"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("Иванов Иван", "Иванов Иван"),
        (Decimal("-150.50"), "-150,50"),
        (12, "12"),
    ],
)
def test_csv_cells_that_would_be_formulas_are_quoted(value, cell):
    assert csv_cell(value) == cell
