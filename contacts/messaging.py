"""Writing to customers: choosing the channel, queueing, delivering, recording the outcome.

A message goes through these steps (see `Message` for the statuses):

1. `message_send` stores it `queued` under the caller's idempotency key and enqueues
   `deliver_message_task` after the commit. The same key never makes a second message.
2. The task calls `message_deliver`, which claims the row (queued → sending) with a conditional
   UPDATE, so two workers holding the same task never both send it, and calls the provider.
3. A transient provider failure puts the row back to `queued` and the task retries later;
   a permanent one marks it `failed`; after the last retry `message_give_up` marks it `error`.
   Both send `contacts.signals.message_failed`.
4. The provider's delivery callback calls `message_record_status` (delivered / not delivered).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.errors import PermanentError, TransientError

from .exceptions import ContactError
from .models import Contact, Message, MessageTemplate
from .signals import message_failed
from .tasks import deliver_message_task

logger = logging.getLogger(__name__)

#: Which contact field holds the recipient of each channel, in the order we prefer them: a
#: messenger is free and read sooner than an SMS.
CHANNEL_FIELDS: dict[str, str] = {
    Message.Channel.TELEGRAM: "telegram_id",
    Message.Channel.WHATSAPP: "whatsapp_id",
    Message.Channel.VIBER: "viber_id",
    Message.Channel.VK: "vk_id",
    Message.Channel.SMS: "phone",
}

#: A "sending" row claimed longer ago than this belongs to a worker that died between the claim
#: and the answer, and may be claimed again. Far above CELERY_TASK_TIME_LIMIT (2 minutes), so a
#: worker that is still alive has always finished by then.
STALE_SENDING_AFTER = timedelta(minutes=10)

_ERROR_MAX_CHARS = 1000


def choose_channel(contact: Contact) -> tuple[str, str]:
    """Return `(channel, recipient)` to write to `contact`.

    The customer's messenger when we know one (Telegram, then WhatsApp, Viber, VK), else an
    SMS to the phone. Raises ContactError when the contact has neither.
    """
    for channel, field in CHANNEL_FIELDS.items():
        if recipient := (getattr(contact, field) or "").strip():
            return channel, recipient
    raise ContactError(
        _("“%(contact)s” has no phone and no messenger to write to."),
        code="no_channel",
        params={"contact": contact},
    )


def _recipient_for(contact: Contact, channel: str) -> str:
    if channel not in CHANNEL_FIELDS:
        raise ValueError(f"unknown channel {channel!r}")
    recipient = (getattr(contact, CHANNEL_FIELDS[channel]) or "").strip()
    if not recipient:
        raise ContactError(
            _("“%(contact)s” cannot be reached by %(channel)s."),
            code="no_channel",
            params={"contact": contact, "channel": Message.Channel(channel).label},
        )
    return recipient


def message_send(
    *,
    contact: Contact,
    text: str,
    idempotency_key: str,
    subject: models.Model | None = None,
    template_code: str = "",
    channel: str | None = None,
) -> Message:
    """Queue `text` for `contact` and deliver it in the background, once per `idempotency_key`.

    The key names the message for good (e.g. "order:10234:payment-link"): a second call with
    it returns the message of the first and sends nothing, whatever its other arguments say.
    Two simultaneous calls with one key meet at the unique constraint; the loser gets the
    winner's message. `channel` forces a channel; by default `choose_channel` picks one.
    `subject` is what the message is about (an order, a deal).

    Raises ContactError when there is no way to reach the contact over the channel, or the
    text is empty; ValueError for an empty key or an unknown channel.
    """
    if not idempotency_key:
        raise ValueError("idempotency_key must not be empty")
    existing = Message.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing

    if channel is None:
        channel, recipient = choose_channel(contact)
    else:
        recipient = _recipient_for(contact, channel)
    text = text.strip()
    if not text:
        raise ContactError(_("The message is empty."), code="empty_message")

    try:
        # A savepoint: losing the race must not break the caller's transaction.
        with transaction.atomic():
            message = Message.objects.create(
                contact=contact,
                channel=channel,
                recipient=recipient,
                direction=Message.Direction.OUTBOUND,
                text=text,
                idempotency_key=idempotency_key,
                content_type=ContentType.objects.get_for_model(subject) if subject else None,
                object_id=subject.pk if subject else None,
                template_code=template_code,
            )
    except IntegrityError:
        # Another request created the message with this key in between: theirs is ours.
        existing = Message.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing
    deliver_message_task.delay_on_commit(message_id=message.pk)
    return message


def message_send_template(
    *,
    contact: Contact,
    template_code: str,
    context: Mapping[str, object],
    idempotency_key: str,
    subject: models.Model | None = None,
    channel: str | None = None,
) -> Message:
    """`message_send` of the active template `template_code`, rendered with `context`.

    A repeated key returns the first message even if the template has been switched off since.
    Raises ContactError when the template does not exist or is inactive, and as
    `message_send` does.
    """
    existing = Message.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    template = MessageTemplate.objects.filter(code=template_code, is_active=True).first()
    if template is None:
        raise ContactError(
            _("There is no active message template “%(code)s”."),
            code="no_template",
            params={"code": template_code},
        )
    return message_send(
        contact=contact,
        text=template.render(context),
        idempotency_key=idempotency_key,
        subject=subject,
        template_code=template.code,
        channel=channel,
    )


def message_deliver(*, message_id: int) -> Message:
    """Send a queued message through its provider; the delivery task calls this.

    1. Claim the row with one conditional UPDATE: queued → sending, or a "sending" row claimed
       more than STALE_SENDING_AFTER ago (its worker died). Anything else (sent, delivered,
       failed, or another worker sending it right now) is left alone and returned as it is, so
       a retried or duplicated task never texts the customer twice.
    2. Call `integrations.messaging.send_message` with the message's idempotency key.
    3. Success: store the provider's id, `sent` and `sent_at`.
       TransientError: back to `queued` with the error, then re-raised for the task to retry.
       PermanentError: `failed` with the error, and `message_failed` is sent.

    Run it outside a transaction (Celery tasks are): the claim must be committed before the
    provider is called, and no row may stay locked during the call. Raises Message.DoesNotExist
    for an unknown id.
    """
    from integrations import messaging as gateway

    claimed_at = timezone.now()
    claimable = Q(status=Message.Status.QUEUED) | Q(
        status=Message.Status.SENDING, claimed_at__lt=claimed_at - STALE_SENDING_AFTER
    )
    claimed = Message.objects.filter(
        claimable, pk=message_id, direction=Message.Direction.OUTBOUND
    ).update(status=Message.Status.SENDING, claimed_at=claimed_at, attempts=F("attempts") + 1)
    message = Message.objects.get(pk=message_id)
    if not claimed:
        logger.info("message %s not sent: it is %s", message_id, message.status)
        return message

    # Only this claim may finish the row: if it went stale and another worker took it over,
    # our late answer must not overwrite theirs.
    ours = Message.objects.filter(
        pk=message_id, status=Message.Status.SENDING, claimed_at=claimed_at
    )
    try:
        delivery = gateway.send_message(
            channel=message.channel,
            recipient=message.recipient,
            text=message.text,
            idempotency_key=message.idempotency_key,
        )
    except TransientError as exc:
        ours.update(status=Message.Status.QUEUED, error=_error_text(exc))
        logger.warning("message %s: transient error, will retry: %s", message_id, exc)
        raise
    except PermanentError as exc:
        failed = ours.update(status=Message.Status.FAILED, error=_error_text(exc))
        message.refresh_from_db()
        if failed:
            logger.warning("message %s failed: %s", message_id, exc)
            _notify_failed(message)
        return message
    ours.update(
        status=Message.Status.SENT,
        provider_message_id=delivery.provider_message_id,
        sent_at=timezone.now(),
        error="",
    )
    message.refresh_from_db()
    return message


def message_give_up(*, message_id: int, error: str) -> Message | None:
    """Mark a message that could not be sent after the last retry as `error`.

    Only a message still waiting (queued, or stuck in sending) changes, and only then is
    `message_failed` sent; a sent, delivered or failed one is left as it is. Returns the
    message, or None for an unknown id.
    """
    changed = Message.objects.filter(
        pk=message_id, status__in=[Message.Status.QUEUED, Message.Status.SENDING]
    ).update(status=Message.Status.ERROR, error=error[:_ERROR_MAX_CHARS])
    message = Message.objects.filter(pk=message_id).first()
    if changed and message is not None:
        logger.error("message %s: gave up: %s", message_id, error)
        _notify_failed(message)
    return message


def message_record_status(
    *,
    provider_message_id: str,
    delivered: bool,
    failed: bool,
    at: datetime,
    channel: str | None = None,
    error: str = "",
) -> Message | None:
    """Record a delivery status from a provider's callback; None for an unknown provider id.

    Delivered moves a sent (or failed) message to `delivered` with `delivered_at=at`; failed
    moves a sent one to `failed` with `error` and sends `message_failed`. Neither (still on its
    way) changes nothing. A delivered message never goes back, and a repeated callback changes
    nothing, so callbacks may arrive twice and in any order. Pass `channel` where ids of
    different providers could coincide (a webhook knows its provider).
    """
    rows = Message.objects.filter(
        provider_message_id=provider_message_id, direction=Message.Direction.OUTBOUND
    )
    if channel is not None:
        rows = rows.filter(channel=channel)
    message = rows.order_by("pk").first() if provider_message_id else None
    if message is None:
        return None
    row = Message.objects.filter(pk=message.pk)
    if delivered:
        changed = row.filter(status__in=[Message.Status.SENT, Message.Status.FAILED]).update(
            status=Message.Status.DELIVERED, delivered_at=at, error=""
        )
    elif failed:
        changed = row.filter(status=Message.Status.SENT).update(
            status=Message.Status.FAILED,
            error=(error or _("The provider could not deliver the message."))[:_ERROR_MAX_CHARS],
        )
    else:
        changed = 0
    if changed:
        message.refresh_from_db()
        if message.status == Message.Status.FAILED:
            _notify_failed(message)
    return message


def _error_text(exc: Exception) -> str:
    return (str(exc) or type(exc).__name__)[:_ERROR_MAX_CHARS]


def _notify_failed(message: Message) -> None:
    def send() -> None:
        # A receiver that breaks must not undo what has been recorded about the message.
        for receiver, result in message_failed.send_robust(sender=Message, message=message):
            if isinstance(result, Exception):
                logger.error(
                    "message_failed receiver %r failed for message %s",
                    receiver,
                    message.pk,
                    exc_info=result,
                )

    transaction.on_commit(send)


#: A queued message whose task has not picked it up by then lost its task (a broker without
#: persistence, a worker killed before acking): enqueue it again.
LOST_TASK_AFTER = timedelta(minutes=15)


def message_requeue_lost(*, now: datetime | None = None, limit: int = 500) -> int:
    """Enqueue delivery again for outbound messages stuck in the queue or in a dead «sending».

    Safe to run often: delivery claims each message with a conditional UPDATE, so a message
    whose first task is still alive is sent once all the same.
    """
    now = now or timezone.now()
    stuck = Message.objects.filter(direction=Message.Direction.OUTBOUND).filter(
        Q(status=Message.Status.QUEUED, created_at__lt=now - LOST_TASK_AFTER)
        & (Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - LOST_TASK_AFTER))
        | Q(status=Message.Status.SENDING, claimed_at__lt=now - STALE_SENDING_AFTER)
    )
    ids = list(stuck.order_by("created_at").values_list("pk", flat=True)[:limit])
    for message_id in ids:
        deliver_message_task.delay_on_commit(message_id=message_id)
    if ids:
        logger.warning("re-enqueued %s stuck message(s)", len(ids))
    return len(ids)
