"""Finding customers before creating them: every channel goes through here."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .exceptions import ContactError
from .models import Company, Contact
from .validators import normalize_email, normalize_phone

MESSENGER_FIELDS = ("telegram_id", "whatsapp_id", "viber_id", "vk_id")


def contact_find(
    *, phone: str = "", email: str = "", messengers: dict[str, str] | None = None
) -> Contact | None:
    """The existing contact for these details: by messenger id, then phone, then e-mail.

    `phone` and `email` must already be normalised.
    """
    for field, value in (messengers or {}).items():
        if value and (contact := Contact.objects.filter(**{field: value}).first()):
            return contact
    if phone and (contact := Contact.objects.filter(phone=phone).first()):
        return contact
    if email:
        return Contact.objects.filter(email=email).order_by("created_at").first()
    return None


def contact_get_or_create(
    *,
    phone: str = "",
    email: str = "",
    full_name: str = "",
    messengers: dict[str, str] | None = None,
    savepoint: bool = True,
) -> tuple[Contact, bool]:
    """Return `(contact, created)` for a customer who has just reached us.

    The phone is normalised to E.164 and the e-mail lower-cased first, so "8 (999) 123-45-67"
    finds the contact saved as "+79991234567". A found contact gets the details it lacked (an
    e-mail, a name, a messenger id) but keeps the ones it has: a manager may have corrected them.

    Raises ContactError when a phone or e-mail is malformed, or when nothing identifies the
    customer; nothing is written then. With `savepoint=False` the caller handles the race: a
    simultaneous request creating the same phone raises IntegrityError, and the caller's own
    savepoint is rolled back (one statement less on the hot path of website intake).
    """
    messengers = {k: str(v).strip() for k, v in (messengers or {}).items() if v}
    unknown = set(messengers) - set(MESSENGER_FIELDS)
    if unknown:
        raise ValueError(f"unknown messenger fields: {sorted(unknown)}")
    try:
        phone = normalize_phone(phone)
        email = normalize_email(email)
    except ValidationError as exc:
        raise ContactError(exc.messages) from exc
    full_name = " ".join((full_name or "").split())
    if not (phone or email or messengers):
        raise ContactError(_("A customer needs a phone, an e-mail or a messenger account."))

    for _attempt in range(2):
        contact = contact_find(phone=phone, email=email, messengers=messengers)
        if contact is not None:
            _fill_blanks(contact, phone=phone, email=email, full_name=full_name, **messengers)
            return contact, False
        if not savepoint:
            contact = Contact.objects.create(
                phone=phone, email=email, full_name=full_name, **messengers
            )
            return contact, True
        try:
            # A savepoint: losing the race to a simultaneous request must not break the
            # caller's transaction.
            with transaction.atomic():
                contact = Contact.objects.create(
                    phone=phone, email=email, full_name=full_name, **messengers
                )
            return contact, True
        except IntegrityError:
            # Another request created the same phone in between: take theirs.
            continue
    raise ContactError(_("The contact could not be saved, please try again."))


def _fill_blanks(contact: Contact, **values: str) -> None:
    changed = []
    for field, value in values.items():
        if value and not getattr(contact, field):
            if field == "phone" and Contact.objects.filter(phone=value).exists():
                continue  # the number belongs to another card; keep them apart
            setattr(contact, field, value)
            changed.append(field)
    if changed:
        contact.save(update_fields=[*changed, "updated_at"])


def company_get_or_create(
    *, inn: str, kpp: str = "", name: str, contact: Contact | None = None
) -> tuple[Company, bool]:
    """Return `(company, created)` found by INN and KPP; link `contact` as its contact person.

    Raises ContactError for an INN or KPP that fails validation.
    """
    inn, kpp = (inn or "").strip(), (kpp or "").strip()
    company = Company.objects.filter(inn=inn, kpp=kpp).first()
    created = company is None
    if created:
        company = Company(inn=inn, kpp=kpp, name=" ".join(name.split()))
        try:
            company.full_clean()
        except ValidationError as exc:
            raise ContactError(exc.message_dict) from exc
        company.save()
    if contact is not None:
        company.contacts.add(contact)
    return company, created
