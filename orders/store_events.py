"""Telling the store's website what happens to its orders (docs/store-callbacks.md).

Every status change of an order (orders.transitions.order_transition), and every change of its
payment status that is not a transition (orders.payments), writes a StoreEvent row in the same
transaction, when the store has a callback URL. A worker sends it after commit; a failed attempt
is retried on the BACKOFF schedule by the beat job (`store_events_enqueue_due`, every minute),
which also picks up an event whose task was lost. The row is the only truth about the event:
workers claim it with a conditional UPDATE, so no two of them send it at the same time.

Order of delivery: the events of one order are sent one at a time, by `sequence`: an event
is not sent while an earlier one of its order is still waiting (retries included). An event
that failed for good no longer holds the later ones back; the site orders what it receives
by `sequence` (an event older than the last one applied is ignored), which also covers an
event sent again by hand after later ones went through.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, QuerySet
from django.utils import timezone, translation

from catalog.models import Store
from integrations.errors import PermanentError, TransientError
from integrations.storesite import client as storesite

from .models import Order, PaymentStatus, Status
from .store_events_models import StoreEvent

logger = logging.getLogger(__name__)

#: Pause after the 1st, 2nd … failed attempt; after the last one the event is failed.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
#: How long a worker holds its claim: above the request's timeouts (about 13 s), so a worker
#: still waiting for the site is never overtaken; a worker that died is replaced after it.
CLAIM = timedelta(minutes=3)
#: A site's Retry-After is honoured up to the longest pause of the schedule.
MAX_RETRY_AFTER = BACKOFF[-1]
#: How many due events one beat tick enqueues.
SWEEP_BATCH = 500

#: order → its tracking number or None: supplied by fulfillment, which orders may not import.
TrackingNumberSource = Callable[[Order], "str | None"]
_tracking_number_source: TrackingNumberSource | None = None


def register_tracking_number_source(source: TrackingNumberSource) -> None:
    """Let the app that ships orders (fulfillment) tell the events the tracking number."""
    global _tracking_number_source
    _tracking_number_source = source


def tracking_number(order: Order) -> str | None:
    if _tracking_number_source is None:
        return None
    return _tracking_number_source(order) or None


# --- recording ----------------------------------------------------------------------------------


def store_event_record(
    order: Order,
    *,
    type: str,
    previous_status: str,
    previous_payment_status: str | None = None,
) -> StoreEvent | None:
    """Write the event of a change `order` has just gone through, and send it after commit.

    Call it inside the transaction of the change, with the order row locked (the sequence is
    the order's next one). `order` holds the new values. Nothing is written when the store has
    no callback URL. The payload is frozen now: a retry sends what was true at the change.
    """
    code, url = Store.objects.values_list("code", "callback_url").get(pk=order.store_id)
    if not url:
        return None
    last = order.store_events.aggregate(last=Max("sequence"))["last"] or 0
    event_id = uuid.uuid4()
    now = timezone.now()
    payload = _payload(
        order,
        event_id=event_id,
        type=type,
        sequence=last + 1,
        store_code=code,
        occurred_at=now,
        previous_status=previous_status,
        previous_payment_status=previous_payment_status,
    )
    event = StoreEvent.objects.create(
        event_id=event_id,
        store_id=order.store_id,
        order=order,
        sequence=last + 1,
        type=type,
        payload=payload,
        next_attempt_at=now,
    )
    _enqueue_on_commit(event.pk)
    return event


def _payload(
    order: Order,
    *,
    event_id: uuid.UUID,
    type: str,
    sequence: int,
    store_code: str,
    occurred_at: datetime,
    previous_status: str,
    previous_payment_status: str | None,
) -> dict[str, Any]:
    # Labels in the office's language (Russian), whatever the language of the user who acted.
    with translation.override(settings.LANGUAGE_CODE):
        payload: dict[str, Any] = {
            "event_id": str(event_id),
            "type": type,
            "sequence": sequence,
            "occurred_at": timezone.localtime(occurred_at).isoformat(),
            "store": store_code,
            "number": order.number,
            "external_id": order.external_id or None,
            "status": order.status,
            "status_label": str(Status(order.status).label),
            "previous_status": previous_status,
            "payment_status": order.payment_status,
            "payment_status_label": str(PaymentStatus(order.payment_status).label),
            "tracking_number": tracking_number(order),
        }
    if type == StoreEvent.Type.PAYMENT_STATUS_CHANGED:
        payload["previous_payment_status"] = previous_payment_status
    return payload


def event_body(event: StoreEvent) -> bytes:
    """The bytes POSTed (and signed): the payload as compact UTF-8 JSON."""
    return json.dumps(event.payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --- sending ------------------------------------------------------------------------------------


def _earlier_pending() -> Exists:
    return Exists(
        StoreEvent.objects.filter(
            order_id=OuterRef("order_id"),
            state=StoreEvent.State.PENDING,
            sequence__lt=OuterRef("sequence"),
        )
    )


def _claim(event_pk: int, *, now: datetime) -> bool:
    """Take the event for one attempt, if it is waiting, due, and the first waiting one of its
    order. One conditional UPDATE: of two workers, only one gets 1 row back."""
    claimed = (
        StoreEvent.objects.filter(
            pk=event_pk, state=StoreEvent.State.PENDING, next_attempt_at__lte=now
        )
        .filter(~_earlier_pending())
        .update(next_attempt_at=now + CLAIM, attempts=F("attempts") + 1)
    )
    return claimed == 1


def store_event_deliver(*, event_pk: int) -> StoreEvent | None:
    """One attempt to send the event; returns it, or None when there was nothing to do (not
    due, sent or claimed by another worker, or waiting for an earlier event of its order).

    2xx: delivered. Timeout, connection error, 429, 5xx: tried again after the next pause of
    BACKOFF (or the site's Retry-After), failed after MAX_ATTEMPTS. Any other answer: failed
    at once, as the same event would get the same answer. A failed event waits for «Отправить
    ещё раз» (store_events_resend). Either way the next event of the order goes next.
    """
    now = timezone.now()
    if not _claim(event_pk, now=now):
        return None
    event = StoreEvent.objects.select_related("store").get(pk=event_pk)
    store = event.store
    if not store.callback_url:
        _finish(event, state=StoreEvent.State.FAILED, error="The store has no callback URL now.")
    else:
        try:
            code = storesite.post_event(
                store.callback_url,
                event_body(event),
                store_code=store.code,
                secret=store.api_secret,
                event_id=str(event.event_id),
            )
        except TransientError as exc:
            if not _retry_later(event, exc, now=now):
                return _reloaded(event)
        except PermanentError as exc:
            _finish(
                event,
                state=StoreEvent.State.FAILED,
                code=getattr(exc, "status_code", None),
                error=str(exc),
            )
        else:
            _finish(event, state=StoreEvent.State.DELIVERED, code=code, delivered_at=now)
    _enqueue_next(event.order_id)
    return _reloaded(event)


def _retry_later(event: StoreEvent, exc: TransientError, *, now: datetime) -> bool:
    """Schedule the next attempt; False if there is one. After the last attempt the event is
    failed (True: the order's next event may go)."""
    code = getattr(exc, "status_code", None)
    if event.attempts >= MAX_ATTEMPTS:
        _finish(event, state=StoreEvent.State.FAILED, code=code, error=str(exc))
        return True
    pause = BACKOFF[event.attempts - 1]
    if exc.retry_after:
        pause = min(timedelta(seconds=exc.retry_after), MAX_RETRY_AFTER)
    _mine(event).update(next_attempt_at=now + pause, last_response_code=code, last_error=str(exc))
    logger.info("store event %s: attempt %s failed, next in %s", event.pk, event.attempts, pause)
    return False


def _finish(
    event: StoreEvent,
    *,
    state: str,
    code: int | None = None,
    error: str = "",
    delivered_at: datetime | None = None,
) -> None:
    _mine(event).update(
        state=state,
        next_attempt_at=None,
        last_response_code=code,
        last_error=error,
        delivered_at=delivered_at,
    )
    if state == StoreEvent.State.FAILED:
        logger.warning("store event %s failed after %s attempts", event.pk, event.attempts)


def _mine(event: StoreEvent) -> QuerySet[StoreEvent]:
    # Still this worker's attempt: a claim that ran out let another worker start the next one,
    # whose outcome must not be overwritten by this late one.
    return StoreEvent.objects.filter(
        pk=event.pk, state=StoreEvent.State.PENDING, attempts=event.attempts
    )


def _reloaded(event: StoreEvent) -> StoreEvent:
    event.refresh_from_db()
    return event


def _enqueue_next(order_id: int) -> None:
    """The order's first waiting event, if it is due: it was held back by the one just done."""
    next_pk = (
        StoreEvent.objects.filter(
            order_id=order_id,
            state=StoreEvent.State.PENDING,
            next_attempt_at__lte=timezone.now(),
        )
        .order_by("sequence")
        .values_list("pk", flat=True)
        .first()
    )
    if next_pk is not None:
        _enqueue_on_commit(next_pk)


def _enqueue_on_commit(event_pk: int) -> None:
    from .tasks import deliver_store_event_task

    deliver_store_event_task.delay_on_commit(event_pk=event_pk)


def store_events_enqueue_due(*, now: datetime | None = None, limit: int = SWEEP_BATCH) -> int:
    """Beat: enqueue a send of every event whose time has come (a retry, or an event whose
    task was lost), first of its order only, oldest first. Returns how many."""
    now = now or timezone.now()
    due = list(
        StoreEvent.objects.filter(state=StoreEvent.State.PENDING, next_attempt_at__lte=now)
        .filter(~_earlier_pending())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        _enqueue_on_commit(pk)
    return len(due)


def store_events_resend(*, event_pks: Iterable[int]) -> int:
    """«Отправить ещё раз»: the failed events among `event_pks` wait to be sent again, with a
    full set of attempts; the others are left alone. Returns how many were put back."""
    now = timezone.now()
    with transaction.atomic():
        pks = list(
            StoreEvent.objects.select_for_update()
            .filter(pk__in=list(event_pks), state=StoreEvent.State.FAILED)
            .order_by("order_id", "sequence")
            .values_list("pk", flat=True)
        )
        StoreEvent.objects.filter(pk__in=pks).update(
            state=StoreEvent.State.PENDING, attempts=0, next_attempt_at=now
        )
        for pk in pks:
            _enqueue_on_commit(pk)
    return len(pks)
