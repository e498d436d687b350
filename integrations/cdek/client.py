"""CDEK API v2: orders, their statuses and ORDER_STATUS webhooks (external-apis.md, section 1).

Wire format: JSON, `Authorization: Bearer <token>` from `POST /v2/oauth/token`
(client_credentials). The token is cached in Django's cache until a minute before it expires;
a 401 on a call drops it and the call is made once more with a fresh one.

Creation is asynchronous: `POST /v2/orders` answers 202 with the order's `uuid` and a CREATE
request in state ACCEPTED; CDEK validates afterwards, and `get_order` then shows the request
SUCCESSFUL (with a `cdek_number`) or INVALID (with `errors`). A create is not de-duplicated by
CDEK: after a timeout or a 5xx look the order up with `find_order_by_number` before sending it
again (a read timeout raises DeliveryUnknown for that reason).

Statuses (`CdekOrder.statuses`) are kept in CDEK's order, **newest first**, without the entries
CDEK marks `deleted`; `CdekOrder.status` is the current one.

ORDER_STATUS webhooks carry no signature: `parse_status_webhook` only reads them, and the order
is to be re-fetched with `get_order` before acting on one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings
from django.core.cache import cache

from ..errors import IntegrationError, PermanentError, TransientError
from ..http import BODY_SNIPPET, call, json_body
from ..ratelimit import RateLimiter, SharedRateLimiter

logger = logging.getLogger(__name__)

PROVIDER = "cdek"

#: «Посылка склад-склад»: from our CDEK office to a pickup point
#: (default of settings.CDEK_TARIFF_PICKUP_POINT).
TARIFF_PICKUP_POINT = 136
#: «Посылка склад-дверь»: from our CDEK office to the customer's door
#: (default of settings.CDEK_TARIFF_DOOR).
TARIFF_DOOR = 137
#: Tariffs that end at a pickup point or a parcel locker (`delivery_point`); the others end at
#: a door (`to_location`). external-apis.md «Tariff codes for an online shop».
PICKUP_POINT_TARIFFS = frozenset({136, 138, 366, 368, 234, 378, 291, 295, 185, 187, 10, 12})
DOOR_TARIFFS = frozenset({137, 139, 233, 294, 293, 186, 184, 11, 1})

#: Request states (`requests[].state`).
REQUEST_ACCEPTED = "ACCEPTED"
REQUEST_WAITING = "WAITING"
REQUEST_SUCCESSFUL = "SUCCESSFUL"
REQUEST_INVALID = "INVALID"

#: Final order statuses: nothing happens to the parcel after them.
FINAL_STATUSES = frozenset({"DELIVERED", "NOT_DELIVERED", "REMOVED", "INVALID"})

#: A cached token is dropped this many seconds before CDEK says it expires.
TOKEN_MARGIN = 60
#: CDEK's date format: "2026-08-01T14:34:18+0000".
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
#: Our order number may have at most this many characters (ASCII).
MAX_NUMBER = 40

_token_lock = threading.Lock()


@dataclass(frozen=True)
class CdekRequestState:
    """One of the order's requests (`requests[]`): CREATE, UPDATE, DELETE… and its state.

    `errors` are CDEK's `[{"code", "message"}]` when the state is INVALID.
    """

    type: str
    state: str
    date_time: str
    errors: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class CdekStatus:
    """An entry of the order's status history: `code` as in «Order status codes»."""

    code: str
    name: str
    date_time: datetime
    city: str
    reason_code: str = ""


@dataclass(frozen=True)
class CdekOrder:
    """An order as `GET /v2/orders/{uuid}` shows it (or `POST /v2/orders`, with less).

    `cdek_number` appears once CDEK has registered the order; `statuses` are newest first.
    """

    uuid: str
    number: str | None
    cdek_number: str | None
    tariff_code: int | None
    requests: list[CdekRequestState]
    statuses: list[CdekStatus]
    delivery_point: str | None = None
    is_return: bool = False

    @property
    def status(self) -> CdekStatus | None:
        """The current status, None before CDEK has given one."""
        return self.statuses[0] if self.statuses else None

    @property
    def create_request(self) -> CdekRequestState | None:
        """The CREATE request: ACCEPTED/WAITING while CDEK validates, then SUCCESSFUL or INVALID."""
        return next((r for r in self.requests if r.type == "CREATE"), None)

    @property
    def is_invalid(self) -> bool:
        """CDEK refused the order after accepting it (see `create_request.errors`)."""
        request = self.create_request
        return request is not None and request.state == REQUEST_INVALID

    @property
    def is_registered(self) -> bool:
        """CDEK has registered the order and given it its number."""
        return bool(self.cdek_number)


@dataclass(frozen=True)
class CdekStatusEvent:
    """What an ORDER_STATUS webhook says; to be confirmed with `get_order(uuid)`.

    `(uuid, code, date_time)` identifies a push: CDEK may send the same one twice.
    """

    uuid: str
    cdek_number: str | None
    number: str | None
    code: str
    date_time: datetime
    city: str
    reason_code: str = ""
    is_return: bool = False
    deleted: bool = False


@dataclass(frozen=True)
class CdekItem:
    """A line of a package. `cost` is the declared value per unit; `payment` the cash to take
    from the recipient per unit (0 when prepaid). `weight` in grams per unit."""

    name: str
    ware_key: str
    cost: Decimal
    weight: int
    amount: int
    payment: Decimal = Decimal(0)
    url: str = ""


@dataclass(frozen=True)
class CdekPackage:
    """A box: `weight` in grams, dimensions in centimetres."""

    number: str
    weight: int
    items: Sequence[CdekItem]
    length: int = 10
    width: int = 10
    height: int = 10
    comment: str = ""


class CdekError(PermanentError):
    """CDEK refused a request (HTTP 4xx): its `errors[{code, message}]` and the HTTP status."""

    def __init__(self, *args: object, status_code: int, errors: list[dict[str, str]]) -> None:
        super().__init__(*args)
        self.status_code = status_code
        self.errors = errors

    @property
    def codes(self) -> list[str]:
        return [e.get("code", "") for e in self.errors]


class CdekNotFound(CdekError):
    """The order (or webhook) does not exist: 404 `v2_entity_not_found` and its kin."""


class CdekAuthError(CdekError):
    """The client id / secret were refused: a person must fix the settings."""


# --- Orders ---------------------------------------------------------------------------------


def create_order(payload: dict[str, Any]) -> CdekOrder:
    """`POST /v2/orders`: register an order (see `build_order_payload`).

    Returns the order as CDEK accepted it: `uuid` and a CREATE request ACCEPTED; validation
    follows, see `get_order`. Raises CdekError (400) when CDEK pre-validation refuses the
    payload; TransientError (unreachable, 429, 5xx: the order may exist, look it up by
    number); DeliveryUnknown when CDEK did not answer in time (the same); CdekAuthError for
    bad credentials.
    """
    response = _request("POST", "/orders", json=payload, idempotent=False)
    order = _order(_body(response), from_create=True)
    logger.info("%s: order %s accepted for number %s", PROVIDER, order.uuid, payload.get("number"))
    return order


def get_order(uuid: str) -> CdekOrder:
    """`GET /v2/orders/{uuid}`: the order, its requests and its status history.

    Raises CdekNotFound for an unknown uuid, CdekError for other 4xx, TransientError.
    """
    return _order(_body(_request("GET", f"/orders/{_path_id(uuid)}")))


def find_order_by_number(number: str) -> CdekOrder | None:
    """`GET /v2/orders?im_number=`: our order number's CDEK order (the latest if several),
    None when CDEK has none. Raises as get_order."""
    if not number:
        raise ValueError("an empty order number")
    try:
        response = _request("GET", "/orders", params={"im_number": number})
    except CdekNotFound:
        return None
    body = _body(response)
    if not body.get("entity"):
        return None
    return _order(body)


def build_order_payload(
    *,
    number: str,
    tariff_code: int,
    recipient_name: str,
    recipient_phone: str,
    packages: Sequence[CdekPackage],
    recipient_email: str = "",
    delivery_point: str = "",
    to_location: Mapping[str, Any] | None = None,
    shipment_point: str = "",
    from_location: Mapping[str, Any] | None = None,
    comment: str = "",
    delivery_recipient_cost: Decimal | None = None,
    order_type: int = 1,
) -> dict[str, Any]:
    """The JSON of `POST /v2/orders` (samples cdek_order_create_request*.json).

    A pickup-point tariff (PICKUP_POINT_TARIFFS) needs `delivery_point` (the office code,
    "NSK23"); a door tariff needs `to_location` ({"code"?, "city"?, "address"}). The parcel
    starts at `shipment_point` (our CDEK office) or, for door pick-up tariffs, `from_location`.
    `order_type` 1 is «интернет-магазин» (needs an e-shop contract), 2 «доставка».
    Money is sent as numbers, weights in grams. Raises ValueError for a payload CDEK would
    refuse for sure: no packages or items, a number too long or not ASCII, a destination that
    does not fit the tariff.
    """
    if not number or len(number) > MAX_NUMBER or not number.isascii():
        raise ValueError(f"order number must be 1..{MAX_NUMBER} ASCII characters")
    if not packages or any(not package.items for package in packages):
        raise ValueError("every package needs at least one item")
    if tariff_code in PICKUP_POINT_TARIFFS and not delivery_point:
        raise ValueError(f"tariff {tariff_code} delivers to a pickup point: delivery_point")
    if tariff_code in DOOR_TARIFFS and not to_location:
        raise ValueError(f"tariff {tariff_code} delivers to the door: to_location")
    if not shipment_point and not from_location:
        raise ValueError("the parcel starts at shipment_point or from_location")
    recipient: dict[str, Any] = {"name": recipient_name, "phones": [{"number": recipient_phone}]}
    if recipient_email:
        recipient["email"] = recipient_email
    payload: dict[str, Any] = {
        "type": order_type,
        "number": number,
        "tariff_code": tariff_code,
        "recipient": recipient,
        "packages": [_package(package) for package in packages],
    }
    if comment:
        payload["comment"] = comment
    if shipment_point:
        payload["shipment_point"] = shipment_point
    else:
        payload["from_location"] = dict(from_location or {})
    if delivery_point:
        payload["delivery_point"] = delivery_point
    else:
        payload["to_location"] = dict(to_location or {})
    if delivery_recipient_cost is not None:
        payload["delivery_recipient_cost"] = {"value": _number(delivery_recipient_cost)}
    return payload


def tariff_for(*, to_pickup_point: bool) -> int:
    """The configured tariff for a parcel to a pickup point or to the door."""
    if to_pickup_point:
        return int(getattr(settings, "CDEK_TARIFF_PICKUP_POINT", TARIFF_PICKUP_POINT))
    return int(getattr(settings, "CDEK_TARIFF_DOOR", TARIFF_DOOR))


# --- Webhooks -------------------------------------------------------------------------------


def subscribe_webhook(url: str) -> str:
    """`POST /v2/webhooks` type ORDER_STATUS to `url`; returns the subscription's uuid.

    CDEK allows two active webhooks per account (CdekError `v2_too_many_webhooks`): use
    `ensure_webhook` to subscribe only when the URL is not subscribed yet.
    """
    response = _request("POST", "/webhooks", json={"url": url, "type": "ORDER_STATUS"})
    body = _body(response)
    uuid = (body.get("entity") or {}).get("uuid")
    if not isinstance(uuid, str) or not uuid:
        raise PermanentError(f"{PROVIDER}: webhook answer without entity.uuid")
    logger.info("%s: webhook %s subscribed", PROVIDER, uuid)
    return uuid


def list_webhooks() -> list[dict[str, Any]]:
    """`GET /v2/webhooks`: the account's subscriptions, `[{"uuid", "url", "type"}]`."""
    body = json_body(_request("GET", "/webhooks"), provider=PROVIDER)
    if isinstance(body, dict):  # some answers wrap the list as {"entity": [...]}
        body = body.get("entity") or []
    if not isinstance(body, list):
        raise PermanentError(f"{PROVIDER}: unexpected webhook list {str(body)[:BODY_SNIPPET]}")
    return [hook for hook in body if isinstance(hook, dict)]


def delete_webhook(uuid: str) -> None:
    """`DELETE /v2/webhooks/{uuid}`. Raises CdekNotFound for an unknown one."""
    _request("DELETE", f"/webhooks/{_path_id(uuid)}")


def ensure_webhook(url: str) -> str:
    """Subscribe ORDER_STATUS pushes to `url` unless they already are; the subscription's uuid."""
    for hook in list_webhooks():
        if hook.get("url") == url and hook.get("type") == "ORDER_STATUS" and hook.get("uuid"):
            return str(hook["uuid"])
    return subscribe_webhook(url)


def parse_status_webhook(body: bytes) -> CdekStatusEvent:
    """Read an ORDER_STATUS push:
    `{"type": "ORDER_STATUS", "date_time", "uuid", "attributes": {"cdek_number", "number",
    "code", "status_date_time", "city_name" | "city", "status_reason_code", …}}`.

    Raises PermanentError for a body that is not JSON, not ORDER_STATUS, or lacks the uuid,
    the code or a readable status date.
    """
    try:
        data = json.loads(body)
    except ValueError as e:  # UnicodeDecodeError too
        raise PermanentError(f"{PROVIDER}: the webhook is not JSON") from e
    if not isinstance(data, dict) or data.get("type") != "ORDER_STATUS":
        raise PermanentError(f"{PROVIDER}: not an ORDER_STATUS webhook")
    attributes = data.get("attributes")
    uuid = data.get("uuid")
    if not isinstance(attributes, dict) or not isinstance(uuid, str) or not uuid:
        raise PermanentError(f"{PROVIDER}: ORDER_STATUS without uuid or attributes")
    code = attributes.get("code")
    if not isinstance(code, str) or not code:
        raise PermanentError(f"{PROVIDER}: ORDER_STATUS for {uuid} without a code")
    try:
        moment = parse_datetime(attributes.get("status_date_time") or data.get("date_time"))
    except (TypeError, ValueError) as e:
        raise PermanentError(f"{PROVIDER}: ORDER_STATUS for {uuid}: {e}") from e
    return CdekStatusEvent(
        uuid=uuid,
        cdek_number=_optional_str(attributes.get("cdek_number")),
        number=_optional_str(attributes.get("number")),
        code=code,
        date_time=moment,
        city=str(attributes.get("city_name") or attributes.get("city") or ""),
        reason_code=str(attributes.get("status_reason_code") or ""),
        is_return=bool(attributes.get("is_return", False)),
        deleted=bool(attributes.get("deleted", False)),
    )


def parse_datetime(value: Any) -> datetime:
    """CDEK's "2026-08-01T14:34:18+0000" (ISO forms with a colon or fractions too), aware.

    Raises ValueError for anything else, a naive time included.
    """
    if not isinstance(value, str) or not value:
        raise ValueError(f"no date: {value!r}")
    try:
        moment = datetime.strptime(value, DATE_FORMAT)  # noqa: DTZ007 (%z makes it aware)
    except ValueError:
        moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"a date without an offset: {value!r}")
    return moment


def format_datetime(moment: datetime) -> str:
    """A time as CDEK writes it: "2026-08-01T14:34:18+0000"."""
    return moment.strftime(DATE_FORMAT)


# --- Rate limit -----------------------------------------------------------------------------


def poll_limiter(rate: float | None = None) -> RateLimiter | SharedRateLimiter:
    """The limiter the status poller must acquire before each call.

    `rate` defaults to settings.CDEK_POLL_RATE_PER_SECOND; with CDEK_POLL_RATE_SHARED the
    limit is shared through the Django cache by every worker of this account, else it holds
    per process (create one limiter per process and reuse it).
    """
    rate = rate or settings.CDEK_POLL_RATE_PER_SECOND
    if settings.CDEK_POLL_RATE_SHARED:
        return SharedRateLimiter(rate, key=f"{PROVIDER}:{_account_key()}")
    return RateLimiter(rate)


# --- Token ----------------------------------------------------------------------------------


def get_token() -> str:
    """A valid access token, from the cache or a new one from `POST /v2/oauth/token`."""
    key = _token_cache_key()
    token = cache.get(key)
    if token:
        return token
    # One thread of a process fetches; the others wait and take the cached one.
    with _token_lock:
        token = cache.get(key)
        if token:
            return token
        token, expires_in = _fetch_token()
        cache.set(key, token, timeout=max(1, expires_in - TOKEN_MARGIN))
        return token


def clear_token_cache() -> None:
    """Forget the cached token (after a 401, or between tests)."""
    cache.delete(_token_cache_key())


def _fetch_token() -> tuple[str, int]:
    response = call(
        "POST",
        f"{_base_url()}/oauth/token",
        provider=PROVIDER,
        classify_error=_classify_token_error,
        data={
            "grant_type": "client_credentials",
            "client_id": settings.CDEK_CLIENT_ID,
            "client_secret": settings.CDEK_CLIENT_SECRET,
        },
    )
    body = json_body(response, provider=PROVIDER)
    token = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        raise PermanentError(f"{PROVIDER}: token answer without access_token")
    expires_in = body.get("expires_in")
    if not isinstance(expires_in, int) or isinstance(expires_in, bool) or expires_in <= 0:
        expires_in = 3600
    logger.info("%s: new token for %ss", PROVIDER, expires_in)
    return token, expires_in


def _classify_token_error(response: requests.Response) -> IntegrationError | None:
    if response.status_code in (400, 401, 403):
        return CdekAuthError(
            f"{PROVIDER}: credentials refused (HTTP {response.status_code}): "
            f"{response.text[:BODY_SNIPPET]}",
            status_code=response.status_code,
            errors=[],
        )
    return None


def _token_cache_key() -> str:
    return f"{PROVIDER}:token:{_account_key()}"


def _account_key() -> str:
    # The URL and the client id: a token is only good for the account and host it came from.
    raw = f"{_base_url()}|{settings.CDEK_CLIENT_ID}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


# --- Plumbing -------------------------------------------------------------------------------


def _base_url() -> str:
    return settings.CDEK_API_URL.rstrip("/")


def _request(
    method: str, path: str, *, idempotent: bool = True, **kwargs: Any
) -> requests.Response:
    """One authorized call; a 401 drops the cached token and the call is made once more."""
    for attempt in (1, 2):
        headers = {"Authorization": f"Bearer {get_token()}"}
        try:
            return call(
                method,
                f"{_base_url()}{path}",
                provider=PROVIDER,
                classify_error=_classify_error,
                idempotent=idempotent,
                headers=headers,
                **kwargs,
            )
        except CdekAuthError:
            clear_token_cache()
            if attempt == 2:
                raise
            logger.info("%s: token refused, fetching a new one", PROVIDER)
    raise AssertionError("unreachable")  # pragma: no cover


def _classify_error(response: requests.Response) -> IntegrationError | None:
    """CDEK's error envelope: `{"requests": [{"state": "INVALID", "errors": [{code, message}]}]}`
    (or a bare `{"errors": [...]}`); the generic rules for 429/5xx without one."""
    errors = _errors_of(response)
    status = response.status_code
    described = "; ".join(f"{e.get('code', '')}: {e.get('message', '')}" for e in errors)
    message = f"{PROVIDER} HTTP {status}" + (f" {described}" if described else "")
    if status == 429 or status >= 500:
        header = response.headers.get("Retry-After", "")
        return TransientError(message, retry_after=int(header) if header.isdigit() else None)
    if status == 401:
        return CdekAuthError(message, status_code=status, errors=errors)
    if status == 404 or any("not_found" in e.get("code", "") for e in errors):
        return CdekNotFound(message, status_code=status, errors=errors)
    if not errors:
        message = f"{PROVIDER} HTTP {status}: {response.text[:BODY_SNIPPET]}"
    return CdekError(message, status_code=status, errors=errors)


def _errors_of(response: requests.Response) -> list[dict[str, str]]:
    try:
        body = response.json()
    except ValueError:
        return []
    if not isinstance(body, dict):
        return []
    raw: list[Any] = list(body.get("errors") or [])
    for request in body.get("requests") or []:
        if isinstance(request, dict):
            raw.extend(request.get("errors") or [])
    return [
        {"code": str(e.get("code") or ""), "message": str(e.get("message") or "")}
        for e in raw
        if isinstance(e, dict)
    ]


def _body(response: requests.Response) -> dict[str, Any]:
    body = json_body(response, provider=PROVIDER)
    if not isinstance(body, dict):
        raise PermanentError(f"{PROVIDER}: unexpected answer {str(body)[:BODY_SNIPPET]}")
    return body


def _order(body: Mapping[str, Any], *, from_create: bool = False) -> CdekOrder:
    try:
        entity = body["entity"]
        uuid = entity["uuid"]
        if not isinstance(uuid, str) or not uuid:
            raise TypeError(f"uuid is {uuid!r}")
        statuses = [
            CdekStatus(
                code=str(s["code"]),
                name=str(s.get("name") or ""),
                date_time=parse_datetime(s["date_time"]),
                city=str(s.get("city") or ""),
                reason_code=str(s.get("reason_code") or s.get("status_reason_code") or ""),
            )
            for s in entity.get("statuses") or []
            if not s.get("deleted")
        ]
        tariff = entity.get("tariff_code")
        return CdekOrder(
            uuid=uuid,
            number=_optional_str(entity.get("number")),
            cdek_number=_optional_str(entity.get("cdek_number")),
            tariff_code=int(tariff) if tariff is not None else None,
            requests=[_request_state(r) for r in body.get("requests") or []],
            statuses=statuses,
            delivery_point=_optional_str(entity.get("delivery_point")),
            is_return=bool(entity.get("is_return", False)),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        what = "create answer" if from_create else "order"
        raise PermanentError(f"{PROVIDER}: unreadable {what} ({type(e).__name__}: {e})") from e


def _request_state(data: Mapping[str, Any]) -> CdekRequestState:
    return CdekRequestState(
        type=str(data.get("type") or ""),
        state=str(data["state"]),
        date_time=str(data.get("date_time") or ""),
        errors=[
            {"code": str(e.get("code") or ""), "message": str(e.get("message") or "")}
            for e in data.get("errors") or []
        ],
    )


def _package(package: CdekPackage) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": package.number,
        "weight": package.weight,
        "length": package.length,
        "width": package.width,
        "height": package.height,
        "items": [
            {
                "name": item.name,
                "ware_key": item.ware_key,
                "payment": {"value": _number(item.payment)},
                "cost": _number(item.cost),
                "weight": item.weight,
                "amount": item.amount,
                **({"url": item.url} if item.url else {}),
            }
            for item in package.items
        ],
    }
    if package.comment:
        data["comment"] = package.comment
    return data


def _number(value: Decimal) -> int | float:
    # CDEK takes money as JSON numbers: whole roubles as integers, kopecks as a float.
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValueError(f"money must be a finite Decimal, not {value!r}")
    return int(value) if value == value.to_integral_value() else float(value)


def _path_id(value: str) -> str:
    # Uuids reach us from webhook bodies: never let one add a path segment.
    if not value:
        raise ValueError("an empty CDEK uuid")
    return quote(value, safe="")


def _optional_str(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)
