"""SMS.ru: sending SMS and reading its delivery callbacks (external-apis.md, section 3a).

Wire format: `POST {SMSRU_API_URL}/sms/send`, form-encoded, `json=1` for a JSON answer.
A whole request can fail (top-level `"status": "ERROR"`), and a request accepted as a whole
can still refuse a number: the per-number entry has its own `status_code`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from ..delivery import Delivery
from ..errors import InvalidSignature, PermanentError, TransientError
from ..http import call, json_body, mask

logger = logging.getLogger(__name__)

PROVIDER = "smsru"
#: "Accepted": both the request and a single number.
OK = 100
#: 220 "Сервис временно недоступен": the only SMS.ru code worth retrying as is.
TRANSIENT_CODES = frozenset({220})
#: Delivery status codes of callbacks and `sms/status`.
DELIVERED_CODES = frozenset({103, 110})
#: Final failures; -1 ("not found") too, as an unknown message will never be delivered.
FAILED_CODES = frozenset({-1, 104, 105, 106, 107, 108, 130, 131, 132, 150})
#: The only callback entry type about our SMS; "callcheck_status" and "test" are skipped.
STATUS_ENTRY = "sms_status"


@dataclass(frozen=True)
class SmsStatus:
    """One delivery status of one SMS from a callback; neither delivered nor failed = on its way."""

    sms_id: str
    status_code: int
    at: datetime
    delivered: bool
    failed: bool


def send_sms(*, phone: str, text: str) -> Delivery:
    """Send one SMS to an E.164 `phone` ("+79991234567") and return its `sms_id`.

    Raises TransientError when SMS.ru is unreachable, answers 429/5xx or code 220 (service
    unavailable); PermanentError with SMS.ru's `status_text` for every other refusal of the
    request or of the number (200 bad api_id, 201 no money, 202 bad number, 207, 209, 221 …)
    and for an answer without our number in it.
    """
    to = "".join(ch for ch in phone if ch.isdigit())
    data: dict[str, Any] = {"api_id": settings.SMSRU_API_ID, "to": to, "msg": text, "json": 1}
    if settings.SMSRU_SENDER:
        data["from"] = settings.SMSRU_SENDER
    response = call(
        "POST", f"{_base_url()}/sms/send", provider=PROVIDER, data=data, idempotent=False
    )
    body = json_body(response, provider=PROVIDER)
    if not isinstance(body, dict):
        raise PermanentError(f"{PROVIDER}: unexpected answer {str(body)[:200]}")
    _raise_for_code(body, what="request")
    numbers = body.get("sms") or {}
    # SMS.ru keys the answer by the number as it understood it; with one number sent, the
    # single entry is ours even if SMS.ru normalised the digits.
    entry = numbers.get(to) or (next(iter(numbers.values())) if len(numbers) == 1 else None)
    if not isinstance(entry, dict):
        raise PermanentError(f"{PROVIDER}: no entry for the number in the answer")
    _raise_for_code(entry, what=f"number {mask(to)}")
    sms_id = entry.get("sms_id")
    if not sms_id:
        raise PermanentError(f"{PROVIDER}: accepted without an sms_id")
    logger.info("%s: SMS to %s accepted as %s", PROVIDER, mask(to), sms_id)
    return Delivery(provider_message_id=str(sms_id))


def parse_status_callback(form: Mapping[str, str], *, api_id: str) -> list[SmsStatus]:
    """The SMS statuses of a verified SMS.ru callback form (`data[0]`..`data[N]`, `hash`).

    Entries of other types ("callcheck_status", "test") are skipped. The view must answer
    the plain text "100", or SMS.ru will treat the delivery as failed and repeat it.

    Raises InvalidSignature when `hash` is missing or is not sha256(api_id + data[0] + …),
    and whenever `api_id` is empty;
    PermanentError for a correctly signed entry that cannot be read.
    """
    entries = _data_entries(form)
    given = form.get("hash") or ""
    expected = _sign(entries, api_id=api_id)
    # Without an api_id the hash is sha256 of the entries alone, which anybody can compute.
    if not api_id or not hmac.compare_digest(given.strip().lower().encode(), expected.encode()):
        raise InvalidSignature(f"{PROVIDER}: callback hash is missing or does not match")
    return [status for entry in entries if (status := _parse_entry(entry)) is not None]


def sign_status_callback(entries: list[str], *, api_id: str) -> dict[str, str]:
    """The form SMS.ru would POST for these raw entries, `hash` included (sandbox, tests)."""
    form = {f"data[{i}]": entry for i, entry in enumerate(entries)}
    form["hash"] = _sign(entries, api_id=api_id)
    return form


def format_status_entry(*, sms_id: str, status_code: int, at: datetime) -> str:
    """One "sms_status" callback entry, as SMS.ru writes it."""
    return f"{STATUS_ENTRY}\n{sms_id}\n{status_code}\n{int(at.timestamp())}"


def _base_url() -> str:
    return settings.SMSRU_API_URL.rstrip("/")


def _raise_for_code(obj: Mapping[str, Any], *, what: str) -> None:
    try:
        code = int(obj.get("status_code", -1))
    except (TypeError, ValueError):
        code = -1
    if obj.get("status") == "OK" and code == OK:
        return
    message = f"{PROVIDER}: {what} refused with {code}: {obj.get('status_text', '')}"
    if code in TRANSIENT_CODES:
        raise TransientError(message)
    raise PermanentError(message)


def _data_entries(form: Mapping[str, str]) -> list[str]:
    # SMS.ru numbers the entries from 0; the hash covers them in index order, so sort by the
    # number and not by how the form happened to be ordered.
    indexed: list[tuple[int, str]] = []
    for key in form:
        if key.startswith("data[") and key.endswith("]") and key[5:-1].isdigit():
            indexed.append((int(key[5:-1]), form[key]))
    return [value for _, value in sorted(indexed)]


def _sign(entries: list[str], *, api_id: str) -> str:
    return hashlib.sha256((api_id + "".join(entries)).encode()).hexdigest()


def _parse_entry(entry: str) -> SmsStatus | None:
    lines = entry.strip().splitlines()
    if not lines or lines[0] != STATUS_ENTRY:
        return None
    try:
        _, sms_id, code, unix_time = lines[:4]
        status_code = int(code)
        at = datetime.fromtimestamp(int(unix_time), tz=UTC)
    except ValueError as e:
        raise PermanentError(f"{PROVIDER}: unreadable callback entry") from e
    return SmsStatus(
        sms_id=sms_id,
        status_code=status_code,
        at=at,
        delivered=status_code in DELIVERED_CODES,
        failed=status_code in FAILED_CODES,
    )
