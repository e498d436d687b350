"""What customers and managers type: phones, e-mails, INN and KPP."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from contacts.validators import (
    normalize_email,
    normalize_phone,
    try_normalize_phone,
    validate_inn,
    validate_kpp,
)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("8 (999) 123-45-67", "+79991234567"),
        ("+7 999 123 45 67", "+79991234567"),
        ("89991234567", "+79991234567"),
        ("9991234567", "+79991234567"),
        ("  +7(495)123-45-67 ", "+74951234567"),
        ("+375 29 123-45-67", "+375291234567"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_it_normalizes_phones_to_e164(typed, stored):
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize("typed", ["12345", "not a phone", "+7 999 123", "8 (000) 000-00-00"])
def test_it_refuses_what_is_not_a_phone_number(typed):
    with pytest.raises(ValidationError) as exc_info:
        normalize_phone(typed)

    assert exc_info.value.code == "invalid_phone"


def test_it_gives_none_instead_of_an_error_for_search_boxes():
    assert try_normalize_phone("8 999 123-45-67") == "+79991234567"
    assert try_normalize_phone("Иванов") is None
    assert try_normalize_phone("") is None


def test_it_lower_cases_and_strips_emails():
    assert normalize_email("  Ivan.Petrov@Example.RU ") == "ivan.petrov@example.ru"
    assert normalize_email("") == ""


def test_it_refuses_a_malformed_email():
    with pytest.raises(ValidationError) as exc_info:
        normalize_email("ivan@")

    assert exc_info.value.code == "invalid_email"


@pytest.mark.parametrize(
    "inn",
    [
        "7707083893",  # a company: 10 digits, one check digit
        "7830002293",
        "500100732259",  # a sole trader: 12 digits, two check digits
        "784806113663",
    ],
)
def test_it_accepts_an_inn_with_correct_check_digits(inn):
    validate_inn(inn)


@pytest.mark.parametrize(
    "inn",
    [
        "7707083894",  # last digit off
        "500100732258",  # second check digit off
        "500100732269",  # first check digit off
        "770708389",  # 9 digits
        "77070838931",  # 11 digits
        "77070838 3",
        "770708389X",
        "",
        "²²²²²²²²²²",  # digits to str.isdigit(), not to int()
    ],
)
def test_it_refuses_a_malformed_inn(inn):
    with pytest.raises(ValidationError) as exc_info:
        validate_inn(inn)

    assert exc_info.value.code == "invalid_inn"


@pytest.mark.parametrize("kpp", ["773601001", "7736AB001", "500101001"])
def test_it_accepts_a_kpp(kpp):
    validate_kpp(kpp)


@pytest.mark.parametrize(
    "kpp", ["77360100", "7736010011", "A73601001", "7736!!001", "7736 1001", "77360100X", ""]
)
def test_it_refuses_a_malformed_kpp(kpp):
    with pytest.raises(ValidationError) as exc_info:
        validate_kpp(kpp)

    assert exc_info.value.code == "invalid_kpp"
