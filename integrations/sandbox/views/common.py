"""What every fake provider shares: fault injection, parameter parsing, storing the message."""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpRequest

from ..models import SandboxMessage

#: A recipient ending in this gets the provider's temporary failure (HTTP 500, or VK's
#: in-body "Internal server error"): shows the retries in the demo.
TRANSIENT_FAULT_SUFFIX = "0000"
#: A recipient ending in this gets the provider's "bad recipient" refusal: a permanent error.
BAD_RECIPIENT_SUFFIX = "9999"


class Fault(enum.Enum):
    TRANSIENT = "transient"
    BAD_RECIPIENT = "bad_recipient"


def fault_for(recipient: str) -> Fault | None:
    """The failure a fake provider plays for this recipient, or None to accept it."""
    if recipient.endswith(TRANSIENT_FAULT_SUFFIX):
        return Fault.TRANSIENT
    if recipient.endswith(BAD_RECIPIENT_SUFFIX):
        return Fault.BAD_RECIPIENT
    return None


def query_and_form(request: HttpRequest) -> dict[str, str]:
    """GET and POST parameters in one dict (form wins): SMS.ru and VK accept either."""
    merged = request.GET.dict()
    merged.update(request.POST.dict())
    return merged


def json_object(request: HttpRequest) -> dict[str, Any] | None:
    """The request body as a JSON object, or None when it is not one."""
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


@transaction.atomic
def record(
    *,
    provider: str,
    recipient: str,
    text: str,
    payload: dict[str, Any],
    make_id: Callable[[SandboxMessage], str],
) -> SandboxMessage:
    """Store an accepted message; `make_id` builds the provider's id, often from the pk."""
    message = SandboxMessage.objects.create(
        provider=provider, recipient=recipient, text=text, request_payload=payload
    )
    message.provider_message_id = make_id(message)
    message.save(update_fields=["provider_message_id"])
    return message
