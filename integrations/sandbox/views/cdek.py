"""Fake CDEK API v2 at the client's paths below `/sandbox/cdek/v2/` (external-apis.md, section 1).

OAuth client_credentials with CDEK's public test account (the default CDEK_CLIENT_ID /
CDEK_CLIENT_SECRET; any other pair is refused, as CDEK would), Bearer tokens good for an hour,
CDEK's error envelope
`{"requests": [{"state": "INVALID", "errors": [{code, message}]}]}`. Orders: 202 on create
after CDEK's pre-validation (required fields), the real validation a few seconds later; the
journey, the pushes and the markers are in integrations/sandbox/cdek.py. The outbox buttons
(next status, push again) are here too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core import signing
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ...cdek.client import format_datetime
from .. import cdek
from ..models import SandboxCdekOrder, SandboxCdekStatus, SandboxCdekWebhook
from .common import json_object, query_and_form

#: CDEK's public test account (external-apis.md «Public test credentials»): the only one the
#: sandbox knows.
CLIENT_ID = "wqGwiQx0gg8mLtiEKsUinjVSICCjtTEP"
CLIENT_SECRET = "RmAmgvSgSl1yirlz9QupbzOJVqhCxcP5"
#: Seconds a token lives; CDEK's recorded answer says 3599.
TOKEN_LIFETIME = 3599
TOKEN_SALT = "sandbox-cdek-token"
#: CDEK allows this many active webhooks per account (cdek_error_too_many_webhooks.json).
MAX_WEBHOOKS = 2
MAX_NUMBER = 40
#: How many statuses an order shows at most (the sandbox's journeys are shorter).
MAX_STATUSES = 50


class Refusal(Exception):
    """A request CDEK would refuse: the HTTP status and its `errors[{code, message}]`."""

    def __init__(self, status: int, code: str, message: str, request_type: str = "GET") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.request_type = request_type


def _api(*methods: str) -> Callable[..., Callable[..., HttpResponse]]:
    """An API endpoint: no CSRF, the Bearer token, and Refusal → CDEK's error envelope.

    Outside the request transaction, as the YooKassa sandbox: our webhook re-fetches orders
    from here while its own transaction holds SQLite's write lock.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @transaction.non_atomic_requests
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in methods:
                    raise Refusal(405, "v2_method_not_allowed", "Method not allowed")
                _check_token(request)
                return view(request, *args, **kwargs)
            except Refusal as refusal:
                return _error(refusal)

        return wrapper

    return decorate


@transaction.non_atomic_requests
@csrf_exempt
def oauth_token(request: HttpRequest) -> HttpResponse:
    """`POST /v2/oauth/token`: client_credentials in the form or the query string."""
    if request.method != "POST":
        return JsonResponse({"error": "method_not_allowed"}, status=405)
    params = query_and_form(request)
    if params.get("grant_type") != "client_credentials":
        return JsonResponse(
            {"error": "unsupported_grant_type", "error_description": "Unsupported grant type"},
            status=400,
        )
    if (params.get("client_id"), params.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
        return JsonResponse(
            {"error": "invalid_client", "error_description": "Bad client credentials"},
            status=401,
        )
    token = signing.dumps({"cid": params["client_id"], "jti": uuid.uuid4().hex}, salt=TOKEN_SALT)
    return JsonResponse(
        {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": TOKEN_LIFETIME,
            "scope": "location:all order:all payment:all",
            "jti": str(uuid.uuid4()),
        }
    )


@_api("GET", "POST")
def orders(request: HttpRequest) -> HttpResponse:
    """`POST /v2/orders` (create) and `GET /v2/orders?im_number=|cdek_number=` (find)."""
    if request.method == "POST":
        return _create(request)
    number = request.GET.get("im_number")
    cdek_number = request.GET.get("cdek_number")
    if number:
        found = SandboxCdekOrder.objects.filter(number=number).order_by("-created_at", "-pk")
        code = "v2_entity_not_found_im_number"
    elif cdek_number:
        found = SandboxCdekOrder.objects.filter(cdek_number=cdek_number)
        code = "v2_entity_not_found"
    else:
        raise Refusal(400, "v2_bad_request", "Specify im_number or cdek_number")
    order = found.prefetch_related("statuses").first()
    if order is None:
        raise Refusal(404, code, f"Entity is not found by {number or cdek_number}")
    return JsonResponse(order_object(order))


@_api("GET")
def order(request: HttpRequest, order_uuid: str) -> HttpResponse:
    """`GET /v2/orders/{uuid}`."""
    _check_uuid(order_uuid)
    found = SandboxCdekOrder.objects.filter(uuid=order_uuid).prefetch_related("statuses").first()
    if found is None:
        raise Refusal(404, "v2_entity_not_found", f"Entity is not found by uuid {order_uuid}")
    return JsonResponse(order_object(found))


@_api("GET", "POST")
def webhooks(request: HttpRequest) -> HttpResponse:
    """`POST /v2/webhooks {"url", "type"}` (the same url and type again: the same one) and
    `GET /v2/webhooks` (the list)."""
    if request.method == "GET":
        return JsonResponse(
            [_webhook(hook) for hook in SandboxCdekWebhook.objects.all()], safe=False
        )
    body = json_object(request)
    if body is None:
        raise Refusal(400, "v2_invalid_format", "Request body is not a JSON object", "CREATE")
    url = body.get("url")
    hook_type = body.get("type")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise Refusal(400, "v2_field_is_empty", "Field is empty or invalid: url", "CREATE")
    if not isinstance(hook_type, str) or not hook_type:
        raise Refusal(400, "v2_field_is_empty", "Field is empty: type", "CREATE")
    with transaction.atomic():
        hook = SandboxCdekWebhook.objects.filter(url=url, type=hook_type).first()
        if hook is None:
            if SandboxCdekWebhook.objects.count() >= MAX_WEBHOOKS:
                raise Refusal(
                    400,
                    "v2_too_many_webhooks",
                    f"Too many active webhooks. Maximum allowed is {MAX_WEBHOOKS}",
                    "CREATE",
                )
            hook = SandboxCdekWebhook.objects.create(
                uuid=str(uuid.uuid4()), url=url, type=hook_type
            )
    return JsonResponse(_envelope(hook.uuid, "CREATE"))


@_api("GET", "DELETE")
def webhook(request: HttpRequest, hook_uuid: str) -> HttpResponse:
    """`GET|DELETE /v2/webhooks/{uuid}`."""
    hook = SandboxCdekWebhook.objects.filter(uuid=hook_uuid).first()
    if hook is None:
        raise Refusal(404, "v2_entity_not_found", f"Entity is not found by uuid {hook_uuid}")
    if request.method == "DELETE":
        hook.delete()
        return JsonResponse(_envelope(hook_uuid, "DELETE"))
    return JsonResponse({"entity": _webhook(hook), "requests": [], "related_entities": []})


# --- Outbox buttons -------------------------------------------------------------------------


# Not inside the request transaction: the push reaches our own server, whose webhook
# re-fetches the order and must see the new status committed.
@transaction.non_atomic_requests
@require_POST
def advance(request: HttpRequest, pk: int) -> HttpResponse:
    """Outbox button: the order's next status now, pushed to the webhooks."""
    sandbox_order = get_object_or_404(SandboxCdekOrder, pk=pk)
    status = cdek.advance(sandbox_order)
    if status is None:
        messages.info(request, _("This CDEK order has no further status."))
    else:
        _report(request, status.code, _push(status))
    return redirect("sandbox:outbox")


@transaction.non_atomic_requests
@require_POST
def repush(request: HttpRequest, pk: int) -> HttpResponse:
    """Outbox button: push the order's latest status again (CDEK itself never repeats one)."""
    sandbox_order = get_object_or_404(SandboxCdekOrder, pk=pk)
    if not SandboxCdekWebhook.objects.exists():
        messages.warning(request, _("No webhook is subscribed: nothing was pushed."))
        return redirect("sandbox:outbox")
    problems = cdek.repush_last(sandbox_order)
    _report(request, sandbox_order.status_code, problems)
    return redirect("sandbox:outbox")


def _push(status: SandboxCdekStatus) -> list[str]:
    # Claimed like the tick does, so the tick will not push it a second time.
    if not SandboxCdekStatus.objects.filter(pk=status.pk, pushed_at=None).update(
        pushed_at=timezone.now()
    ):
        return []
    urls = SandboxCdekWebhook.objects.filter(type="ORDER_STATUS").values_list("url", flat=True)
    return [problem for url in urls if (problem := cdek.push(url, status)) is not None]


def _report(request: HttpRequest, code: str, problems: list[str]) -> None:
    if problems:
        messages.warning(
            request,
            _("Status %(code)s: the push failed: %(problem)s")
            % {"code": code, "problem": "; ".join(problems)},
        )
    elif SandboxCdekWebhook.objects.exists():
        messages.success(request, _("Status %(code)s was pushed to the webhooks.") % {"code": code})
    else:
        messages.info(
            request, _("Status %(code)s; no webhook is subscribed to push it to.") % {"code": code}
        )


# --- Representation -------------------------------------------------------------------------


def order_object(sandbox_order: SandboxCdekOrder, *, now: datetime | None = None) -> dict[str, Any]:
    """The order as `GET /v2/orders/{uuid}` shows it: entity, requests, related_entities.

    Statuses newest first, as CDEK gives them; a validation that is due but not yet written
    down by the tick is shown as it will be written.
    """
    now = now or timezone.now()
    payload = sandbox_order.request_payload
    statuses = [
        {
            "code": s.code,
            "name": s.name,
            "date_time": format_datetime(s.date_time),
            "city": s.city,
            **({"reason_code": s.reason_code} if s.reason_code else {}),
        }
        for s in sorted(
            sandbox_order.statuses.all(), key=lambda s: (s.date_time, s.pk), reverse=True
        )[:MAX_STATUSES]
    ]
    state = sandbox_order.request_state
    cdek_number = sandbox_order.cdek_number
    pending = cdek.pending_outcome(sandbox_order, now)
    request_time = sandbox_order.created_at
    if pending is not None:
        state = pending.state
        cdek_number = pending.cdek_number
        statuses.insert(
            0,
            {
                "code": pending.status.code,
                "name": cdek.STATUS_NAMES[pending.status.code],
                "date_time": format_datetime(pending.at),
                "city": cdek.city_of(sandbox_order, pending.status),
            },
        )
    if state != "ACCEPTED":
        request_time = sandbox_order.created_at + timedelta(seconds=cdek.VALIDATION_SECONDS)
    entity: dict[str, Any] = {
        "uuid": sandbox_order.uuid,
        "type": payload.get("type", 1),
        "is_return": False,
        "is_reverse": False,
        "is_client_return": False,
        "number": sandbox_order.number,
        "tariff_code": sandbox_order.tariff_code,
        "delivery_mode": "4" if sandbox_order.kind == SandboxCdekOrder.Kind.PICKUP_POINT else "3",
        "recipient": payload.get("recipient", {}),
        "packages": payload.get("packages", []),
        "statuses": statuses,
    }
    if cdek_number:
        entity["cdek_number"] = cdek_number
    for key in ("comment", "shipment_point", "from_location", "delivery_point", "to_location"):
        if payload.get(key):
            entity[key] = payload[key]
    request_state: dict[str, Any] = {
        "request_uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, sandbox_order.uuid)),
        "type": "CREATE",
        "date_time": format_datetime(request_time),
        "state": state,
    }
    if state == "INVALID":
        request_state["errors"] = sandbox_order.planned_errors
    return {"entity": entity, "requests": [request_state], "related_entities": []}


def _create(request: HttpRequest) -> HttpResponse:
    body = json_object(request)
    if body is None:
        raise Refusal(400, "v2_invalid_format", "Request body is not a JSON object", "CREATE")
    _prevalidate(body)
    created = cdek.accept(body)
    return JsonResponse(
        {
            "entity": {"uuid": created.uuid},
            "requests": [
                {
                    "request_uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, created.uuid)),
                    "type": "CREATE",
                    "date_time": format_datetime(created.created_at),
                    "state": "ACCEPTED",
                }
            ],
            "related_entities": [],
        },
        status=202,
    )


def _prevalidate(body: dict[str, Any]) -> None:
    """CDEK's synchronous checks: the required fields and their types (400 on failure)."""

    def empty(field: str) -> Refusal:
        return Refusal(400, "v2_field_is_empty", f"Field is empty: {field}", "CREATE")

    def invalid(field: str) -> Refusal:
        return Refusal(
            400, "v2_invalid_value_type", f"Invalid value type in field: {field}", "CREATE"
        )

    order_type = body.get("type", 1)
    if order_type not in (1, 2) or isinstance(order_type, bool):
        raise invalid("type")
    number = body.get("number")
    if order_type == 1 and not number:
        raise empty("number")
    if number is not None and (not isinstance(number, str) or len(number) > MAX_NUMBER):
        raise invalid("number")
    tariff = body.get("tariff_code")
    if tariff is None:
        raise empty("tariff_code")
    if not isinstance(tariff, int) or isinstance(tariff, bool):
        raise invalid("tariff_code")
    recipient = body.get("recipient")
    if not isinstance(recipient, dict) or not str(recipient.get("name") or "").strip():
        raise empty("recipient.name")
    phones = recipient.get("phones")
    if not isinstance(phones, list) or not phones:
        raise empty("recipient.phones")
    if not all(isinstance(p, dict) and p.get("number") for p in phones):
        raise empty("recipient.phones.number")
    if not body.get("delivery_point") and not isinstance(body.get("to_location"), dict):
        raise empty("delivery_point")
    if not body.get("shipment_point") and not isinstance(body.get("from_location"), dict):
        raise empty("shipment_point")
    packages = body.get("packages")
    if not isinstance(packages, list) or not packages:
        raise empty("packages")
    for i, package in enumerate(packages):
        where = f"packages[{i}]"
        if not isinstance(package, dict):
            raise invalid(where)
        if not package.get("number"):
            raise empty(f"{where}.number")
        if not _positive_int(package.get("weight")):
            raise empty(f"{where}.weight")
        items = package.get("items")
        if order_type == 1 and (not isinstance(items, list) or not items):
            raise empty(f"{where}.items")
        for j, item in enumerate(items or []):
            at = f"{where}.items[{j}]"
            if not isinstance(item, dict):
                raise invalid(at)
            for field in ("name", "ware_key"):
                if not item.get(field):
                    raise empty(f"{at}.{field}")
            payment = item.get("payment")
            if not isinstance(payment, dict) or not _number(payment.get("value")):
                raise empty(f"{at}.payment.value")
            if not _number(item.get("cost")):
                raise empty(f"{at}.cost")
            for field in ("weight", "amount"):
                if not _positive_int(item.get(field)):
                    raise empty(f"{at}.{field}")


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _check_token(request: HttpRequest) -> None:
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    try:
        if scheme.lower() != "bearer":
            raise signing.BadSignature("no bearer token")
        signing.loads(token.strip(), salt=TOKEN_SALT, max_age=TOKEN_LIFETIME)
    except signing.BadSignature as e:  # SignatureExpired too
        raise Refusal(401, "v2_token_expired", f"Invalid or expired token: {e}", "AUTH") from e


def _check_uuid(value: str) -> None:
    try:
        uuid.UUID(value)
    except ValueError:
        raise Refusal(
            400, "v2_invalid_format", f"Invalid value [{value}] in [uuid] parameter"
        ) from None


def _envelope(entity_uuid: str, request_type: str) -> dict[str, Any]:
    return {
        "entity": {"uuid": entity_uuid},
        "requests": [
            {
                "request_uuid": str(uuid.uuid4()),
                "type": request_type,
                "date_time": format_datetime(timezone.now()),
                "state": "SUCCESSFUL",
            }
        ],
    }


def _webhook(hook: SandboxCdekWebhook) -> dict[str, str]:
    return {"uuid": hook.uuid, "url": hook.url, "type": hook.type}


def _error(refusal: Refusal) -> JsonResponse:
    return JsonResponse(
        {
            "requests": [
                {
                    "type": refusal.request_type,
                    "date_time": format_datetime(timezone.now()),
                    "state": "INVALID",
                    "errors": [{"code": refusal.code, "message": refusal.message}],
                }
            ],
            "related_entities": [],
        },
        status=refusal.status,
    )
