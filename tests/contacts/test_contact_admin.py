"""Adding a customer by hand in the back office: one customer, one card."""

from __future__ import annotations

import pytest
from django.urls import reverse

from contacts.models import Contact
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:contacts_contact_add")


@pytest.fixture
def anna(client, manager):
    client.force_login(manager)
    return client


def _post(client, **fields):
    return client.post(ADD_URL, {"full_name": "", "phone": "", "email": "", **fields})


def test_it_saves_the_phone_in_e164(anna):
    response = _post(anna, full_name="Иванов Иван", phone="8 (999) 123-45-67")

    assert response.status_code == 302
    assert Contact.objects.get().phone == "+79991234567"


def test_it_names_the_existing_card_of_a_dictated_phone_and_saves_nothing(anna):
    existing = ContactFactory(full_name="Петрова Мария", phone="+79991234567")

    response = _post(anna, full_name="Мария", phone="8 (999) 123-45-67")

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["phone"]
    assert "Петрова Мария" in errors[0]
    assert str(existing.pk) in errors[0]
    assert Contact.objects.count() == 1


def test_it_names_the_existing_card_of_an_email_in_any_case(anna):
    ContactFactory(full_name="Иван", phone="", email="ivan@example.ru")

    response = _post(anna, full_name="Иван И.", email="IVAN@example.ru")

    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    assert Contact.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"phone": "12345"}, "phone"), ({"email": "not-an-email"}, "email")],
)
def test_it_refuses_a_malformed_phone_or_email(anna, fields, field):
    response = _post(anna, full_name="Кто-то", **fields)

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Contact.objects.exists()


def test_it_asks_for_something_that_identifies_the_customer(anna):
    response = _post(anna)

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert "contact_identifiable" not in str(response.context["adminform"].form.errors)
    assert not Contact.objects.exists()
