"""The fake CDEK's engine: what an accepted order becomes, its journey, and the webhook pushes.

How time passes (the views in views/cdek.py only read):

1. `POST /v2/orders` stores the order at step 0 (ACCEPTED) and decides right away what CDEK's
   validation will say (`planned_errors`): an unknown pickup point or office, a destination
   that does not fit the tariff, or INVALID_MARKER in the comment make it INVALID.
2. VALIDATION_SECONDS later the order *reads* as validated (`GET` computes it, without writing:
   a GET may come from our webhook while its request transaction holds SQLite's write lock),
   SUCCESSFUL with a `cdek_number` and a CREATED status, or INVALID with the errors.
3. `tick()` (beat task `cdek_advance_task`, every 10 s while the sandbox is on) writes that
   down and moves every due order one status on; the next step is due
   settings.SANDBOX_CDEK_STEP_SECONDS later. The outbox's «Next status» button does one step now.
4. Every new status is pushed once as an ORDER_STATUS webhook to the subscribed URLs; like
   CDEK, the sandbox does not retry a failed push (the outbox's button repeats the last one).

Journeys use the codes of external-apis.md «Order status codes». A recipient name containing
FAIL_MARKER («НЕ ЗАБЕРЁТ») makes the parcel end NOT_DELIVERED instead of DELIVERED.
"""

from __future__ import annotations

import logging
import uuid as uuid_lib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..cdek.client import DOOR_TARIFFS, PICKUP_POINT_TARIFFS, format_datetime
from ..errors import IntegrationError, PermanentError
from ..http import call
from .models import SandboxCdekOrder, SandboxCdekStatus, SandboxCdekWebhook

logger = logging.getLogger(__name__)

#: Seconds between `POST /v2/orders` and the CREATE request's outcome.
VALIDATION_SECONDS = 3
#: A comment containing this makes CDEK's validation refuse the order.
INVALID_MARKER = "INVALID"
#: A recipient name containing one of these will not take the parcel: NOT_DELIVERED.
FAIL_MARKERS = ("НЕ ЗАБЕРЁТ", "НЕ ЗАБЕРЕТ")
#: How many orders and pushes one tick handles; the rest wait for the next tick.
TICK_BATCH = 500
#: The sandbox's CDEK offices: code → (city, CDEK city code). Any other code is unknown.
PICKUP_POINTS: dict[str, tuple[str, int]] = {
    "MSK65": ("Москва", 44),
    "MSK1": ("Москва", 44),
    "MSK120": ("Москва", 44),
    "SPB12": ("Санкт-Петербург", 137),
    "NSK23": ("Новосибирск", 270),
    "EKB3": ("Екатеринбург", 250),
    "KZN7": ("Казань", 424),
    "NNV5": ("Нижний Новгород", 414),
}
CITY_CODES = {city: code for city, code in PICKUP_POINTS.values()}

#: CDEK's Russian names of the statuses the sandbox uses, and the legacy `status_code`.
STATUS_NAMES = {
    "ACCEPTED": "Принят",
    "CREATED": "Создан",
    "INVALID": "Некорректный заказ",
    "RECEIVED_AT_SHIPMENT_WAREHOUSE": "Принят на склад отправителя",
    "READY_TO_SHIP_AT_SENDING_OFFICE": "Выдан на отправку в г. отправителе",
    "TAKEN_BY_TRANSPORTER_FROM_SENDER_CITY": "Сдан перевозчику в г. отправителе",
    "SENT_TO_RECIPIENT_CITY": "Отправлен в г. получатель",
    "ACCEPTED_AT_RECIPIENT_CITY_WAREHOUSE": "Принят на склад доставки",
    "ACCEPTED_AT_PICK_UP_POINT": "Принят на склад до востребования",
    "TAKEN_BY_COURIER": "Выдан на доставку",
    "RETURNED_TO_RECIPIENT_CITY_WAREHOUSE": "Возвращен на склад доставки",
    "DELIVERED": "Вручен",
    "NOT_DELIVERED": "Не вручен",
}
LEGACY_CODES = {
    "CREATED": "1",
    "RECEIVED_AT_SHIPMENT_WAREHOUSE": "3",
    "READY_TO_SHIP_AT_SENDING_OFFICE": "6",
    "TAKEN_BY_TRANSPORTER_FROM_SENDER_CITY": "7",
    "SENT_TO_RECIPIENT_CITY": "8",
    "ACCEPTED_AT_RECIPIENT_CITY_WAREHOUSE": "10",
    "TAKEN_BY_COURIER": "11",
    "ACCEPTED_AT_PICK_UP_POINT": "12",
    "RETURNED_TO_RECIPIENT_CITY_WAREHOUSE": "18",
    "DELIVERED": "4",
    "NOT_DELIVERED": "5",
}

SENDER = "sender"
RECIPIENT = "recipient"


@dataclass(frozen=True)
class Step:
    code: str
    #: Whose city the parcel is in.
    where: str
    #: `status_reason_code` (Приложение 2), e.g. "23" storage expired, "11" refused.
    reason: str = ""


_START = [
    Step("ACCEPTED", SENDER),
    Step("CREATED", SENDER),
    Step("RECEIVED_AT_SHIPMENT_WAREHOUSE", SENDER),
    Step("READY_TO_SHIP_AT_SENDING_OFFICE", SENDER),
    Step("TAKEN_BY_TRANSPORTER_FROM_SENDER_CITY", SENDER),
    Step("SENT_TO_RECIPIENT_CITY", SENDER),
    Step("ACCEPTED_AT_RECIPIENT_CITY_WAREHOUSE", RECIPIENT),
]
JOURNEYS: dict[tuple[str, bool], list[Step]] = {
    (SandboxCdekOrder.Kind.PICKUP_POINT, False): [
        *_START,
        Step("ACCEPTED_AT_PICK_UP_POINT", RECIPIENT),
        Step("DELIVERED", RECIPIENT),
    ],
    # Not collected: the storage period runs out (reason 23).
    (SandboxCdekOrder.Kind.PICKUP_POINT, True): [
        *_START,
        Step("ACCEPTED_AT_PICK_UP_POINT", RECIPIENT),
        Step("NOT_DELIVERED", RECIPIENT, reason="23"),
    ],
    (SandboxCdekOrder.Kind.DOOR, False): [
        *_START,
        Step("TAKEN_BY_COURIER", RECIPIENT),
        Step("DELIVERED", RECIPIENT),
    ],
    # Refused at the door without explanation (reason 11).
    (SandboxCdekOrder.Kind.DOOR, True): [
        *_START,
        Step("TAKEN_BY_COURIER", RECIPIENT),
        Step("RETURNED_TO_RECIPIENT_CITY_WAREHOUSE", RECIPIENT, reason="11"),
        Step("NOT_DELIVERED", RECIPIENT, reason="11"),
    ],
}


@dataclass(frozen=True)
class Outcome:
    """What CDEK's validation says about an order, as of `at`."""

    state: str  # SUCCESSFUL or INVALID
    at: datetime
    cdek_number: str
    status: Step


def journey(order: SandboxCdekOrder) -> list[Step]:
    return JOURNEYS[(order.kind, order.fails)]


def step_seconds() -> float:
    return settings.SANDBOX_CDEK_STEP_SECONDS


def plan(payload: dict[str, Any]) -> dict[str, Any]:
    """The fields of a new SandboxCdekOrder for a payload that passed pre-validation."""
    tariff = payload["tariff_code"]
    delivery_point = payload.get("delivery_point") or ""
    to_location = payload.get("to_location") or {}
    shipment_point = payload.get("shipment_point") or ""
    from_location = payload.get("from_location") or {}
    errors: list[dict[str, str]] = []
    if tariff in PICKUP_POINT_TARIFFS:
        kind = SandboxCdekOrder.Kind.PICKUP_POINT
        if not delivery_point:
            errors.append(_error("v2_bad_request", f"Tariff {tariff} needs delivery_point"))
    elif tariff in DOOR_TARIFFS:
        kind = SandboxCdekOrder.Kind.DOOR
        if not to_location.get("address"):
            errors.append(_error("v2_bad_request", f"Tariff {tariff} needs to_location.address"))
    else:
        kind = SandboxCdekOrder.Kind.PICKUP_POINT
        errors.append(_error("v2_tariff_not_found", f"Tariff {tariff} is not available"))
    if delivery_point and delivery_point not in PICKUP_POINTS:
        errors.append(
            _error("v2_entity_not_found", f"Delivery point is not found by code {delivery_point}")
        )
    if shipment_point and shipment_point not in PICKUP_POINTS:
        errors.append(
            _error("v2_entity_not_found", f"Shipment point is not found by code {shipment_point}")
        )
    if INVALID_MARKER in str(payload.get("comment") or ""):
        errors.append(_error("v2_bad_request", "Order refused: sandbox marker in the comment"))
    name = str(payload["recipient"]["name"])
    return {
        "number": str(payload.get("number") or ""),
        "tariff_code": tariff,
        "kind": kind,
        "recipient_name": name[:255],
        "sender_city": _city(shipment_point, from_location),
        "recipient_city": _city(delivery_point, to_location),
        "request_payload": payload,
        "planned_errors": errors,
        "fails": any(marker in name.upper() for marker in FAIL_MARKERS),
    }


@transaction.atomic
def accept(payload: dict[str, Any], *, now: datetime | None = None) -> SandboxCdekOrder:
    """Store an order CDEK accepted (step 0, ACCEPTED); validation is due VALIDATION_SECONDS on."""
    now = now or timezone.now()
    order = SandboxCdekOrder.objects.create(
        uuid=str(uuid_lib.uuid4()),
        created_at=now,
        next_step_at=now + timedelta(seconds=VALIDATION_SECONDS),
        **plan(payload),
    )
    # CDEK does not push ACCEPTED: the client has just been told.
    SandboxCdekStatus.objects.create(
        order=order,
        code="ACCEPTED",
        name=STATUS_NAMES["ACCEPTED"],
        city=order.sender_city,
        date_time=now,
        pushed_at=now,
    )
    return order


def outcome(order: SandboxCdekOrder) -> Outcome:
    """The validation's result, whether or not it is due or written down yet."""
    at = order.created_at + timedelta(seconds=VALIDATION_SECONDS)
    if order.planned_errors:
        return Outcome("INVALID", at, "", Step("INVALID", SENDER))
    # CDEK numbers are ten digits; the pk makes them unique and stable.
    return Outcome("SUCCESSFUL", at, str(1_100_000_000 + order.pk), journey(order)[1])


def pending_outcome(order: SandboxCdekOrder, now: datetime) -> Outcome | None:
    """The outcome a reader must see although the tick has not written it yet, or None."""
    if order.request_state != "ACCEPTED":
        return None
    result = outcome(order)
    return result if result.at <= now else None


def city_of(order: SandboxCdekOrder, step: Step) -> str:
    return order.sender_city if step.where == SENDER else order.recipient_city


def advance(order: SandboxCdekOrder, *, now: datetime | None = None) -> SandboxCdekStatus | None:
    """Move the order one step on: validate it (step 0) or give it its next status.

    Returns the new status, or None when the order has nowhere to go or another tick moved it
    first (a conditional UPDATE on the step it was read at claims the move).
    """
    now = now or timezone.now()
    steps = journey(order)
    if order.request_state == "INVALID" or order.step >= len(steps) - 1:
        return None
    with transaction.atomic():
        claimed = SandboxCdekOrder.objects.filter(pk=order.pk, step=order.step)
        if order.step == 0:
            result = outcome(order)
            at = min(result.at, now)
            final = result.state == "INVALID"
            changed = claimed.filter(request_state="ACCEPTED").update(
                request_state=result.state,
                cdek_number=result.cdek_number,
                step=0 if final else 1,
                status_code=result.status.code,
                next_step_at=None if final else max(now, at) + timedelta(seconds=step_seconds()),
            )
            step = result.status
        else:
            step = steps[order.step + 1]
            at = now
            final = order.step + 1 == len(steps) - 1
            changed = claimed.update(
                step=F("step") + 1,
                status_code=step.code,
                next_step_at=None if final else now + timedelta(seconds=step_seconds()),
            )
        if changed != 1:
            return None
        return SandboxCdekStatus.objects.create(
            order=order,
            code=step.code,
            name=STATUS_NAMES.get(step.code, step.code),
            city=city_of(order, step),
            reason_code=step.reason,
            date_time=at,
        )


def tick(*, now: datetime | None = None) -> tuple[int, int]:
    """Advance every due order one step and push the new statuses: (advanced, pushed).

    Safe to run twice at once: moves and pushes are claimed with conditional UPDATEs.
    """
    now = now or timezone.now()
    due = SandboxCdekOrder.objects.filter(next_step_at__lte=now).order_by("next_step_at")
    advanced = sum(advance(order, now=now) is not None for order in due[:TICK_BATCH])
    return advanced, push_pending(now=now)


def push_pending(*, now: datetime | None = None) -> int:
    """Push each status not pushed yet, once, to every ORDER_STATUS webhook; how many pushed."""
    now = now or timezone.now()
    hooks = list(
        SandboxCdekWebhook.objects.filter(type="ORDER_STATUS").values_list("url", flat=True)
    )
    pending = SandboxCdekStatus.objects.filter(pushed_at=None).select_related("order")
    pushed = 0
    for status in pending.order_by("date_time", "pk")[:TICK_BATCH]:
        if SandboxCdekStatus.objects.filter(pk=status.pk, pushed_at=None).update(pushed_at=now):
            for url in hooks:
                problem = push(url, status)
                if problem is not None:
                    logger.warning("sandbox cdek: push to %s failed: %s", url, problem)
            pushed += 1
    return pushed


def repush_last(order: SandboxCdekOrder) -> list[str]:
    """Push the order's latest status again to every webhook; the problems, if any."""
    status = order.statuses.exclude(code="ACCEPTED").first()
    if status is None:
        return []
    hooks = SandboxCdekWebhook.objects.filter(type="ORDER_STATUS").values_list("url", flat=True)
    return [problem for url in hooks if (problem := push(url, status)) is not None]


def webhook_payload(status: SandboxCdekStatus, *, now: datetime | None = None) -> dict[str, Any]:
    """An ORDER_STATUS push in CDEK's shape (external-apis.md «Webhooks (ORDER_STATUS)»)."""
    order = status.order
    attributes: dict[str, Any] = {
        "is_return": False,
        "is_reverse": False,
        "is_client_return": False,
        "cdek_number": order.cdek_number or None,
        "number": order.number,
        "code": status.code,
        "status_code": LEGACY_CODES.get(status.code, ""),
        "status_date_time": format_datetime(status.date_time),
        "city_name": status.city,
        "city_code": str(CITY_CODES.get(status.city, "")),
    }
    if status.reason_code:
        attributes["status_reason_code"] = status.reason_code
    return {
        "type": "ORDER_STATUS",
        "date_time": format_datetime(now or timezone.now()),
        "uuid": order.uuid,
        "attributes": attributes,
    }


def push(url: str, status: SandboxCdekStatus) -> str | None:
    """POST the status to `url`; None when it answered 2xx, else what went wrong."""
    try:
        call(
            "POST",
            url,
            provider="cdek-webhook",
            classify_error=lambda r: PermanentError(f"{url} answered HTTP {r.status_code}"),
            json=webhook_payload(status),
        )
    except IntegrationError as e:
        return str(e)
    return None


def _city(point: str, location: dict[str, Any]) -> str:
    if point in PICKUP_POINTS:
        return PICKUP_POINTS[point][0]
    return str(location.get("city") or "")[:64]


def _error(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}
