"""Messages customers write to us: finding who wrote, storing the message once, unread marks.

The messenger webhooks (deals/webhooks.py) call `message_receive` once per incoming message,
each in its own transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .exceptions import ContactError
from .messaging import CHANNEL_FIELDS
from .models import Contact, Message
from .services import contact_get_or_create

logger = logging.getLogger(__name__)

#: How a message without text reads in the conversation, by the platform's content type.
ATTACHMENT_LABELS = {
    "photo": gettext_lazy("photo"),
    "image": gettext_lazy("photo"),
    "picture": gettext_lazy("photo"),
    "video": gettext_lazy("video"),
    "video_note": gettext_lazy("video"),
    "voice": gettext_lazy("voice message"),
    "audio": gettext_lazy("voice message"),
    "audio_message": gettext_lazy("voice message"),
    "document": gettext_lazy("file"),
    "doc": gettext_lazy("file"),
    "file": gettext_lazy("file"),
    "sticker": gettext_lazy("sticker"),
    "animation": gettext_lazy("animation"),
    "contact": gettext_lazy("contact card"),
    "location": gettext_lazy("location"),
}


def inbound_key(channel: str, event_id: str) -> str:
    """The idempotency key of an incoming message: the platform's id of the delivery."""
    return f"in:{channel}:{event_id}"


def message_receive(
    *,
    channel: str,
    event_id: str,
    sender_id: str,
    text: str,
    at: datetime,
    sender_name: str = "",
    phone: str = "",
    provider_message_id: str = "",
    attachment: str = "",
) -> tuple[Message, bool]:
    """Store a message a customer wrote over `channel`; return `(message, created)`.

    1. A message with the key "in:<channel>:<event_id>" already stored: returned with
       created=False, nothing written (the platform repeated its webhook).
    2. The contact is the one with this messenger id, else the one with this phone (any
       channel: a WhatsApp number finds the customer who ordered on the website), else a new
       one. A found contact gets the messenger id, name and phone it lacked.
    3. The message is stored inbound, delivered, unread.

    Two simultaneous deliveries of one event meet at the unique key: the loser's contact and
    message are rolled back to a savepoint and it returns the winner's message. A phone the
    platform sent that is not a valid number is ignored rather than losing the message.
    Raises ValueError for an unknown channel or an empty event id.
    """
    if channel not in CHANNEL_FIELDS or channel == Message.Channel.SMS:
        raise ValueError(f"not a messenger channel: {channel!r}")
    if not event_id:
        raise ValueError("event_id must not be empty")
    key = inbound_key(channel, event_id)
    existing = Message.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            contact = _contact_for(
                channel=channel, sender_id=sender_id, sender_name=sender_name, phone=phone
            )
            message = Message.objects.create(
                contact=contact,
                channel=channel,
                recipient=sender_id,
                direction=Message.Direction.INBOUND,
                text=text.strip() or _attachment_text(attachment),
                status=Message.Status.DELIVERED,
                provider_message_id=provider_message_id,
                idempotency_key=key,
                sent_at=at,
                delivered_at=at,
            )
    except IntegrityError:
        existing = Message.objects.filter(idempotency_key=key).first()
        if existing is None:
            raise
        return existing, False
    return message, True


def message_link_subject(*, message: Message, subject: models.Model) -> None:
    """Record what an incoming message is about (the deal it landed on)."""
    message.content_type = ContentType.objects.get_for_model(subject)
    message.object_id = subject.pk
    message.save(update_fields=["content_type", "object_id"])


def unread_messages(*, subject_type: ContentType) -> QuerySet[Message]:
    """Inbound messages about objects of `subject_type` nobody has read yet."""
    return Message.objects.filter(
        content_type=subject_type,
        direction=Message.Direction.INBOUND,
        read_at__isnull=True,
    )


def messages_mark_read(*, messages: QuerySet[Message]) -> int:
    """Mark the unread inbound ones among `messages` read (a manager has seen them); returns
    how many changed. A repeated call changes nothing."""
    return messages.filter(direction=Message.Direction.INBOUND, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def _contact_for(*, channel: str, sender_id: str, sender_name: str, phone: str) -> Contact:
    messengers = {CHANNEL_FIELDS[channel]: sender_id}
    try:
        contact, _created = contact_get_or_create(
            phone=phone, full_name=sender_name, messengers=messengers
        )
    except ContactError:
        if not phone:
            raise
        logger.warning("%s: ignoring a phone that is not a valid number", channel)
        contact, _created = contact_get_or_create(full_name=sender_name, messengers=messengers)
    return contact


def _attachment_text(attachment: str) -> str:
    # Stored in the site's language, like a deal's title: the text is data, not UI.
    with translation.override(settings.LANGUAGE_CODE):
        label = ATTACHMENT_LABELS.get(attachment, gettext_lazy("attachment"))
        return _("[%(kind)s]") % {"kind": label}
