"""Normalising and checking what customers type: phones, e-mails, INN and KPP."""

from __future__ import annotations

import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_1 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_2 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
#: Tax office code (4 digits), reason code (2 digits or capital Latin letters), number (3 digits).
_KPP_RE = re.compile(r"\d{4}[\dA-Z]{2}\d{3}", re.ASCII)


def normalize_phone(raw: str) -> str:
    """Return `raw` in E.164 ("+79991234567"), or "" for an empty value.

    Numbers without a country code are read in PHONE_DEFAULT_REGION, so "8 (999) 123-45-67" and
    "+7 999 123 45 67" give the same contact. Raises ValidationError for anything that is not a
    valid number.
    """
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("“%(value)s” is not a phone number."), code="invalid_phone", params={"value": raw}
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("“%(value)s” is not a valid phone number."),
            code="invalid_phone",
            params={"value": raw},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def try_normalize_phone(raw: str) -> str | None:
    """Like normalize_phone, but None instead of an error: for search boxes."""
    try:
        return normalize_phone(raw) or None
    except ValidationError:
        return None


def normalize_email(raw: str) -> str:
    """Return the e-mail lower-cased and stripped, or "" for an empty value."""
    email = (raw or "").strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationError(
                _("“%(value)s” is not a valid e-mail address."),
                code="invalid_email",
                params={"value": raw},
            ) from exc
    return email


def _checksum(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def validate_inn(value: str) -> None:
    """INN of a company (10 digits) or a sole trader (12 digits), with its check digits."""
    # isascii(): str.isdigit() also accepts "²" and other digits int() cannot read.
    if not (value.isascii() and value.isdigit()) or len(value) not in (10, 12):
        raise ValidationError(_("INN must be 10 or 12 digits."), code="invalid_inn")
    if len(value) == 10:
        valid = _checksum(value, _INN10_WEIGHTS) == int(value[9])
    else:
        valid = _checksum(value, _INN12_WEIGHTS_1) == int(value[10]) and _checksum(
            value, _INN12_WEIGHTS_2
        ) == int(value[11])
    if not valid:
        raise ValidationError(_("INN check digits do not match."), code="invalid_inn")


def validate_kpp(value: str) -> None:
    if not _KPP_RE.fullmatch(value):
        raise ValidationError(_("KPP must be 9 characters: NNNNPPNNN."), code="invalid_kpp")
