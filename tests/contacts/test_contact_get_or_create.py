"""Recognising a returning customer from whatever they typed, and companies by INN and KPP."""

from __future__ import annotations

import pytest

from contacts.exceptions import ContactError
from contacts.models import Company, Contact
from contacts.services import company_get_or_create, contact_get_or_create
from tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed", ["8 (999) 123-45-67", "+7 999 123 45 67", "89991234567"])
def test_it_finds_the_contact_whichever_way_the_phone_is_written(typed):
    existing, _created = contact_get_or_create(phone="+79991234567", full_name="Иван Петров")

    contact, created = contact_get_or_create(phone=typed)

    assert (contact, created) == (existing, False)
    assert Contact.objects.count() == 1


def test_it_stores_a_new_phone_in_e164():
    contact, created = contact_get_or_create(phone="8 (999) 123-45-67")

    assert created
    contact.refresh_from_db()
    assert contact.phone == "+79991234567"


def test_it_finds_the_contact_by_email_whatever_the_case_when_no_phone_is_given():
    existing, _created = contact_get_or_create(email="Ivan@Example.ru")

    contact, created = contact_get_or_create(email="  IVAN@example.RU ")

    assert (contact, created) == (existing, False)
    assert existing.email == "ivan@example.ru"


def test_it_finds_the_contact_by_messenger_id():
    existing = ContactFactory(phone="", email="", telegram_id="tg-100500")

    contact, created = contact_get_or_create(
        messengers={"telegram_id": "tg-100500"}, full_name="Иван"
    )

    assert (contact, created) == (existing, False)


def test_it_prefers_the_messenger_account_to_an_email_of_another_card():
    by_email = ContactFactory(email="shared@example.ru")
    by_telegram = ContactFactory(phone="", email="", telegram_id="tg-7")

    contact, _created = contact_get_or_create(
        email="shared@example.ru", messengers={"telegram_id": "tg-7"}
    )

    assert contact == by_telegram != by_email


def test_it_fills_the_blank_fields_of_a_found_contact():
    existing = ContactFactory(phone="+79991234567", email="", full_name="", telegram_id="")

    contact_get_or_create(
        phone="89991234567",
        email="ivan@example.ru",
        full_name="  Иван   Петров ",
        messengers={"telegram_id": "tg-1"},
    )

    existing.refresh_from_db()
    assert existing.email == "ivan@example.ru"
    assert existing.full_name == "Иван Петров"
    assert existing.telegram_id == "tg-1"


def test_it_keeps_the_details_a_manager_has_already_filled_in():
    existing = ContactFactory(
        phone="+79991234567", email="corrected@example.ru", full_name="Иван Петрович Сидоров"
    )

    contact_get_or_create(phone="89991234567", email="typo@example.ru", full_name="Ваня")

    existing.refresh_from_db()
    assert existing.email == "corrected@example.ru"
    assert existing.full_name == "Иван Петрович Сидоров"


def test_it_does_not_give_a_found_contact_the_phone_of_another_card():
    owner = ContactFactory(phone="+79991234567")
    telegram_card = ContactFactory(phone="", email="", telegram_id="tg-7")

    contact, created = contact_get_or_create(
        phone="89991234567", messengers={"telegram_id": "tg-7"}
    )

    assert (contact, created) == (telegram_card, False)
    telegram_card.refresh_from_db()
    assert telegram_card.phone == ""
    assert Contact.objects.get(phone="+79991234567") == owner


@pytest.mark.parametrize(
    "details",
    [
        {"phone": "12345"},
        {"phone": "not a phone"},
        {"phone": "+79991234567", "email": "ivan@"},
        {"email": "ivan at example.ru"},
    ],
    ids=["short-phone", "letters", "bad-email-with-phone", "bad-email"],
)
def test_it_refuses_malformed_details_and_creates_nothing(details):
    with pytest.raises(ContactError):
        contact_get_or_create(full_name="Иван", **details)

    assert not Contact.objects.exists()


def test_it_refuses_a_customer_with_nothing_to_identify_them():
    with pytest.raises(ContactError):
        contact_get_or_create(full_name="Иван")

    assert not Contact.objects.exists()


def test_it_finds_a_company_by_inn_and_kpp():
    existing = CompanyFactory(inn="7707083893", kpp="773601001")

    company, created = company_get_or_create(inn=" 7707083893 ", kpp="773601001", name="Сбербанк")

    assert (company, created) == (existing, False)


def test_it_creates_a_branch_with_the_same_inn_and_another_kpp():
    head_office = CompanyFactory(inn="7707083893", kpp="773601001")

    branch, created = company_get_or_create(inn="7707083893", kpp="773602001", name="Филиал")

    assert created
    assert branch != head_office
    assert Company.objects.filter(inn="7707083893").count() == 2


def test_it_refuses_an_inn_with_wrong_check_digits_and_creates_nothing():
    with pytest.raises(ContactError) as exc_info:
        company_get_or_create(inn="7707083894", kpp="773601001", name="ООО «Опечатка»")

    assert "inn" in exc_info.value.message_dict
    assert not Company.objects.exists()


def test_it_refuses_a_company_inn_without_kpp():
    with pytest.raises(ContactError) as exc_info:
        company_get_or_create(inn="7707083893", name="ООО «Без КПП»")

    assert "kpp" in exc_info.value.message_dict
    assert not Company.objects.exists()


def test_it_creates_a_sole_trader_with_a_12_digit_inn_and_no_kpp():
    company, created = company_get_or_create(inn="500100732259", name="ИП Иванов")

    assert created
    assert (company.inn, company.kpp) == ("500100732259", "")


def test_it_links_the_contact_person_to_the_company():
    contact = ContactFactory()
    existing = CompanyFactory(inn="7707083893", kpp="773601001")

    company, _created = company_get_or_create(
        inn="7707083893", kpp="773601001", name="Сбербанк", contact=contact
    )
    company_get_or_create(inn="7707083893", kpp="773601001", name="Сбербанк", contact=contact)

    assert company == existing
    assert list(company.contacts.all()) == [contact]
    assert list(contact.companies.all()) == [company]
