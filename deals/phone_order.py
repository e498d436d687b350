"""Orders taken by phone («звонок на 8-800»): who is calling, then a deal (and an order) at once.

The manager types the phone first; `phone_order_lookup` finds the caller's card and what they
bought lately, so a repeat customer is recognised before anything is typed twice. Then
`phone_order_create` writes the contact (if new), the company (for a legal entity), the deal with
its items and, if asked, places the order: all in one transaction, or nothing at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from automation.models import Via
from catalog.models import Store, Warehouse
from contacts.models import Company, Contact
from contacts.services import company_get_or_create, contact_find, contact_get_or_create
from contacts.validators import normalize_email, normalize_phone

from .choices import Channel
from .exceptions import DealError
from .models import Deal
from .services import ItemSpec, deal_create, deal_place_order

#: How many of the caller's latest deals the lookup shows.
RECENT_DEALS = 5
#: Deals still being filled in: a second one for the same caller is probably a duplicate.
UNPLACED_STAGES = (Deal.Stage.NEW, Deal.Stage.IN_PROGRESS)
#: Written to Deal.source so reports can tell phone orders from other manual deals.
PHONE_ORDER_SOURCE = "phone"


@dataclass(frozen=True)
class CallerLookup:
    """What the manager sees after typing the phone: the card, or that a new one will be made."""

    phone: str
    contact: Contact | None
    companies: list[Company] = field(default_factory=list)
    #: The latest deals in the stores the manager works for, each with its orders prefetched.
    recent_deals: list[Deal] = field(default_factory=list)
    #: Deals not yet placed as orders: the manager may want to add to one instead.
    unplaced_deals: list[Deal] = field(default_factory=list)


def phone_order_lookup(*, phone: str, user: Any) -> CallerLookup:
    """Find the caller by an already normalised phone; a constant number of queries.

    Only deals of the stores `user` works for are listed: a manager of one store learns nothing
    about the customer's dealings with another.
    """
    # The phone is unique among contacts (contact_find's phone step, with the manager joined).
    contact = (
        Contact.objects.select_related("responsible").filter(phone=phone).first() if phone else None
    )
    if contact is None:
        return CallerLookup(phone=phone, contact=None)
    deals = list(
        Deal.objects.filter(contact=contact, store__in=Store.objects.visible_to(user))
        .select_related("store", "responsible")
        .prefetch_related(Prefetch("orders", to_attr="order_list"))
        .order_by("-created_at", "-pk")[:RECENT_DEALS]
    )
    # Asked separately: an old unplaced deal may hide behind the latest ones.
    unplaced = list(
        Deal.objects.filter(
            contact=contact,
            store__in=Store.objects.visible_to(user),
            stage__in=UNPLACED_STAGES,
        )
        .select_related("store")
        .order_by("-created_at", "-pk")
    )
    return CallerLookup(
        phone=phone,
        contact=contact,
        companies=list(contact.companies.all()),
        recent_deals=deals,
        unplaced_deals=unplaced,
    )


@dataclass(frozen=True)
class CompanyDetails:
    """A legal entity or sole trader the caller orders for."""

    name: str
    inn: str
    kpp: str = ""


@dataclass(frozen=True)
class DeliveryTerms:
    """How the goods travel and are paid for, as the manager filled them in."""

    delivery_method: str = ""
    delivery_address: str = ""
    pickup_point: Warehouse | None = None
    pickup_point_code: str = ""
    payment_method: str = ""
    comment: str = ""


@dataclass(frozen=True)
class PhoneOrderResult:
    deal: Deal
    contact_created: bool
    #: The placed order (orders.Order), when the manager asked to place it.
    order: Any | None = None


def phone_order_create(
    *,
    actor: Any,
    store: Store,
    phone: str,
    items: Iterable[ItemSpec],
    terms: DeliveryTerms,
    full_name: str = "",
    email: str = "",
    company: CompanyDetails | None = None,
    place: bool = False,
) -> PhoneOrderResult:
    """Create the deal of a phone call, «Новая», with `actor` responsible; place it if `place`.

    The caller is found by phone (any common format) or a new contact is made with the name and
    e-mail given; a found contact only gets the details it lacked. Raises DealError (field
    errors where it can name the field), ContactError, or the transition errors of placing the
    order (TransitionNotAllowed naming what is missing, TransitionForbidden); nothing at all is
    written then, not even the contact.
    """
    items = list(items)
    if not items:
        raise DealError(_("Add at least one item."))
    if not Store.objects.visible_to(actor).filter(pk=store.pk).exists():
        raise DealError({"store": _("You do not work with this store.")})
    with transaction.atomic():
        contact, created = _caller_contact(phone=phone, full_name=full_name, email=email)
        customer_company = None
        if company is not None:
            customer_company, _created = company_get_or_create(
                inn=company.inn, kpp=company.kpp, name=company.name, contact=contact
            )
        deal = deal_create(
            store=store,
            channel=Channel.PHONE,
            source=PHONE_ORDER_SOURCE,
            contact=contact,
            company=customer_company,
            responsible=actor,
            items=items,
            actor=actor,
            delivery_method=terms.delivery_method,
            delivery_address=terms.delivery_address,
            pickup_point=terms.pickup_point,
            pickup_point_code=terms.pickup_point_code,
            payment_method=terms.payment_method,
            comment=terms.comment,
        )
        order = None
        if place:
            order = deal_place_order(deal_id=deal.pk, actor=actor, via=Via.ADMIN)
            deal.refresh_from_db()
    return PhoneOrderResult(deal=deal, contact_created=created, order=order)


def _caller_contact(*, phone: str, full_name: str, email: str) -> tuple[Contact, bool]:
    """The caller's card by phone, or a new one; an e-mail already on another card is refused.

    contact_get_or_create would fall back to the e-mail and hand over another person's card
    with a different phone; on a call the phone is who the customer is.
    """
    errors: dict[str, list[str]] = {}
    try:
        phone = normalize_phone(phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages
    try:
        email = normalize_email(email)
    except ValidationError as exc:
        errors["email"] = exc.messages
    if errors:
        raise DealError(errors)
    if not phone:
        raise DealError({"phone": _("Enter the caller's phone.")})
    contact = contact_find(phone=phone)
    if email and (contact is None or not contact.email):
        twins = Contact.objects.filter(email=email)
        if contact is not None:
            twins = twins.exclude(pk=contact.pk)
        if twin := twins.first():
            raise DealError(
                {
                    "email": _("Already on the card of “%(contact)s” (#%(id)s).")
                    % {"contact": twin, "id": twin.pk}
                }
            )
    return contact_get_or_create(phone=phone, email=email, full_name=full_name)
