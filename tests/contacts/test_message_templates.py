"""Message templates: only known placeholders are saved, and they render predictably."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from contacts.exceptions import ContactError
from contacts.messaging import message_send_template
from contacts.models import PLACEHOLDERS, Message, MessageTemplate
from tests.factories import ContactFactory, MessageTemplateFactory, UserFactory

pytestmark = pytest.mark.django_db

PAYMENT_LINK = "Заказ №{order_number} на {total} ₽: оплатите по ссылке {payment_link}"


def _errors(text: str) -> dict[str, str]:
    """The template's errors on `text`, by code (the messages are translated)."""
    template = MessageTemplate(code="t", name="Шаблон", text=text)
    with pytest.raises(ValidationError) as excinfo:
        template.full_clean()
    return {error.code: " ".join(error) for error in excinfo.value.error_dict["text"]}


def test_a_template_with_known_placeholders_is_accepted_and_renders():
    template = MessageTemplate(code="payment-link", name="Ссылка на оплату", text=PAYMENT_LINK)
    template.full_clean()

    text = template.render(
        {"order_number": "10234", "total": Decimal("1500.00"), "payment_link": "https://pay.ru/x"}
    )

    assert text == "Заказ №10234 на 1500.00 ₽: оплатите по ссылке https://pay.ru/x"


def test_missing_values_render_empty_and_extra_ones_are_ignored():
    template = MessageTemplate(text="{customer_name}, заказ {order_number} готов")

    assert template.render({"order_number": 7, "customer_name": None, "x": 1}) == ", заказ 7 готов"


def test_doubled_braces_are_literal_braces():
    template = MessageTemplate(code="t", name="t", text="{{order_number}} = {order_number}}}")
    template.full_clean()

    assert template.render({"order_number": 5}) == "{order_number} = 5}"


def test_an_unknown_placeholder_is_refused_by_name():
    errors = _errors("Заказ №{oder_number} на {total} ₽, {discount}")

    assert list(errors) == ["unknown_placeholder"]
    message = errors["unknown_placeholder"]
    assert "{oder_number}, {discount}" in message
    assert "{order_number}" in message  # the allowed ones are listed


@pytest.mark.parametrize("text", ["Заказ {order.number}", "Товар {items[0]}"])
def test_attribute_and_index_access_is_refused(text):
    errors = _errors(text)

    assert list(errors) == ["placeholder_access"]
    assert text[text.index("{") :] in errors["placeholder_access"]


@pytest.mark.parametrize("text", ["Сумма {total:.2f}", "Сумма {total!r}"])
def test_format_specs_and_conversions_are_refused(text):
    errors = _errors(text)

    assert list(errors) == ["placeholder_format"]
    assert text[text.index("{") :] in errors["placeholder_format"]


def test_a_nested_placeholder_is_refused():
    assert "unmatched_brace" in _errors("{total:{order_number}}")


@pytest.mark.parametrize(
    ("text", "near"),
    [
        ("Заказ {order_number", "{order_number"),
        ("Заказ order_number} готов", "order_number}"),
        ("Оплатите { ", "{"),
    ],
)
def test_unmatched_braces_are_refused_with_the_place(text, near):
    errors = _errors(text)

    assert list(errors) == ["unmatched_brace"]
    assert near in errors["unmatched_brace"]


def test_empty_braces_are_refused():
    assert "{}" in _errors("Заказ {} готов")["unknown_placeholder"]


def test_rendering_a_broken_text_raises_instead_of_sending_it():
    template = MessageTemplate(text="Заказ {oder_number}")  # saved around the form

    with pytest.raises(ValidationError):
        template.render({"order_number": 1})


def test_every_placeholder_has_a_description():
    assert set(PLACEHOLDERS) == {
        "order_number",
        "total",
        "payment_link",
        "pickup_point",
        "tracking_number",
        "customer_name",
        "store_name",
        "manager_name",
    }
    assert all(str(description) for description in PLACEHOLDERS.values())


# --- sending a template ---------------------------------------------------------------------


def test_sending_a_template_renders_it_and_remembers_its_code(monkeypatch):
    monkeypatch.setattr("contacts.tasks.deliver_message_task.delay", lambda **kwargs: None)
    MessageTemplateFactory(code="payment-link", text=PAYMENT_LINK)
    contact = ContactFactory()

    message = message_send_template(
        contact=contact,
        template_code="payment-link",
        context={"order_number": "10234", "total": Decimal("990.00"), "payment_link": "https://p"},
        idempotency_key="order:10234:payment-link",
    )

    assert message.text == "Заказ №10234 на 990.00 ₽: оплатите по ссылке https://p"
    assert message.template_code == "payment-link"


def test_an_inactive_template_is_not_sent():
    MessageTemplateFactory(code="old", is_active=False)

    with pytest.raises(ContactError):
        message_send_template(
            contact=ContactFactory(), template_code="old", context={}, idempotency_key="k"
        )
    assert not Message.objects.exists()


# --- admin ----------------------------------------------------------------------------------


@pytest.fixture
def root(client):
    client.force_login(UserFactory(username="root", is_superuser=True))
    return client


def test_the_template_form_lists_the_allowed_placeholders(root):
    response = root.get(reverse("admin:contacts_messagetemplate_add"))

    page = response.content.decode()
    for name in PLACEHOLDERS:
        assert f"<code>{{{name}}}</code>" in page


def test_a_template_with_an_unknown_placeholder_is_refused_when_saved(root):
    response = root.post(
        reverse("admin:contacts_messagetemplate_add"),
        {"code": "pay", "name": "Оплата", "text": "Оплатите {paymnet_link}", "is_active": "on"},
    )

    assert response.status_code == 200
    assert "{paymnet_link}" in str(response.context["adminform"].form.errors["text"])
    assert not MessageTemplate.objects.filter(code="pay").exists()


def test_a_good_template_is_saved_and_found(root):
    response = root.post(
        reverse("admin:contacts_messagetemplate_add"),
        {"code": "pay", "name": "Оплата", "text": PAYMENT_LINK, "is_active": "on"},
    )

    assert response.status_code == 302
    found = root.get(reverse("admin:contacts_messagetemplate_changelist"), {"q": "Оплата"})
    assert "pay" in found.content.decode()
