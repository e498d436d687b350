"""Customers writing in messengers: each new message lands on the customer's open deal, or
opens one (DESIGN.md section 5, the messengers inbox).

The webhooks (deals/webhooks.py) call `inbox_event_process` once per event, each in its own
transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Q, QuerySet

from catalog.models import Store
from contacts.inbox import message_link_subject, message_receive, messages_mark_read
from contacts.messaging import message_record_status
from contacts.models import Contact, Message
from integrations.inbound import InboundEvent, InboundMessage, StatusUpdate

from .choices import Channel
from .distribution import deal_distribute
from .models import Deal
from .services import deal_create

logger = logging.getLogger(__name__)

#: Deal.source of the deals opened by an incoming message.
INBOX_SOURCE = "inbox"


@dataclass(frozen=True)
class Received:
    """What became of an incoming message: stored (or found as a repeat), on which deal."""

    message: Message
    deal: Deal | None
    created: bool
    deal_opened: bool = False


def inbox_event_process(event: InboundEvent) -> Received | Message | None:
    """Record one verified webhook event, atomically.

    An incoming message goes through `inbox_message_receive`; a status of a message we sent
    through `contacts.messaging.message_record_status` (None for an id we do not know).
    """
    with transaction.atomic():
        if isinstance(event, InboundMessage):
            return inbox_message_receive(event)
        if isinstance(event, StatusUpdate):
            return message_record_status(
                provider_message_id=event.provider_message_id,
                delivered=event.delivered,
                failed=event.failed,
                at=event.at,
                channel=event.platform,
                error=event.error,
            )
    raise TypeError(f"unknown inbox event {event!r}")


@transaction.atomic
def inbox_message_receive(incoming: InboundMessage) -> Received:
    """Store a customer's message and put it on their open deal, opening one if they have none.

    A repeated delivery (same platform event id) writes nothing and returns the stored message
    with `created=False`. The contact row is locked while its open deal is looked for, so two
    simultaneous first messages of one customer open one deal, not two.
    """
    message, created = message_receive(
        channel=incoming.platform,
        event_id=incoming.event_id,
        sender_id=incoming.sender_id,
        sender_name=incoming.sender_name,
        phone=incoming.phone,
        text=incoming.text,
        at=incoming.at,
        provider_message_id=incoming.provider_message_id,
        attachment=incoming.attachment,
    )
    if not created:
        return Received(message=message, deal=message.subject, created=False)
    contact = Contact.objects.select_for_update().get(pk=message.contact_id)
    deal = (
        Deal.objects.filter(contact=contact, stage__in=Deal.OPEN_STAGES)
        .order_by("-created_at", "-pk")
        .first()
    )
    opened = deal is None
    if deal is None:
        deal = deal_open_from_message(contact=contact, channel=incoming.platform)
    message_link_subject(message=message, subject=deal)
    return Received(message=message, deal=deal, created=True, deal_opened=opened)


def deal_open_from_message(*, contact: Contact, channel: str) -> Deal:
    """Open a deal for a customer who wrote in a messenger and has no open deal.

    The deal is in the messenger's channel («Telegram», «WhatsApp» …), in the inbox store
    (`inbox_store`), and distribution gives it a manager (the customer's own one first, if
    available) or puts it in the queue.
    """
    deal = deal_create(
        store=inbox_store(),
        channel=Channel(channel),
        contact=contact,
        source=INBOX_SOURCE,
    )
    deal_distribute(deal=deal)
    logger.info("inbox: deal %s opened for a %s message", deal.number, channel)
    return deal


def inbox_store() -> Store:
    """The store of the deals opened by messages: INBOX_STORE_CODE, else the first active one.

    Raises ImproperlyConfigured when the configured store does not exist or there is no
    active store at all: the webhook then answers 500 and the platform repeats the message
    until someone fixes the setting.
    """
    code = settings.INBOX_STORE_CODE
    if code:
        store = Store.objects.filter(code=code).first()
        if store is None:
            raise ImproperlyConfigured(f"INBOX_STORE_CODE={code!r}: no such store")
        return store
    store = Store.objects.filter(is_active=True).order_by("pk").first()
    if store is None:
        raise ImproperlyConfigured("no active store to open messenger deals in")
    return store


def deal_conversation(deal: Deal, user) -> QuerySet[Message]:
    """The messages with the deal's customer that `user` may read: those about no deal or order
    in particular, and those about a deal of the customer, or its order, in a store the user
    works for (DESIGN §7: a manager sees only their stores, in conversations too)."""
    deals = Deal.objects.filter(
        contact_id=deal.contact_id, store__in=Store.objects.visible_to(user)
    )
    # Orders live in a higher app: their type is named, their ids reached through the deals.
    order_type = ContentType.objects.get_by_natural_key("orders", "order")
    return Message.objects.filter(contact_id=deal.contact_id).filter(
        Q(content_type__isnull=True)
        | Q(content_type=ContentType.objects.get_for_model(Deal), object_id__in=deals.values("pk"))
        | Q(content_type=order_type, object_id__in=deals.values("orders"))
    )


def deal_conversation_mark_read(deal: Deal, user) -> int:
    """`user` has seen the deal's conversation: what they may read of it is read."""
    return messages_mark_read(messages=deal_conversation(deal, user))
