"""Masking personal data and secrets in log lines: the last line of defence.

Our own log calls write ids and `integrations.http.mask()`-ed recipients, never a phone, an
e-mail or a token. What they cannot control is text from elsewhere: a provider's error body
quoted in an exception («recipient.phones[0].number: +7999…»), a traceback, Django's own
«Bad Request: /webhooks/telegram/<secret>/». `RedactFilter` sits on the log handler
(settings.LOGGING) and rewrites every record before it is written.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings

#: A phone as people and providers write it: E.164 (+79991234567, +44…), or a Russian number
#: with 7 or 8 in front and the usual separators ("8 (999) 123-45-67"). Digits glued to
#: letters or other digits (ids, UUIDs, timestamps) are left alone.
PHONE = re.compile(
    r"(?<![\w+])(?:\+\d[\d\s()-]{8,18}\d|[78][\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2})(?!\w)"
)
EMAIL = re.compile(r"[\w.+-]+@([\w-]+\.)+[\w-]{2,}")

#: Settings whose values must never be written to a log (shorter values are not looked for:
#: they would mask innocent words).
SECRET_SETTINGS = (
    "SECRET_KEY",
    "SMSRU_API_ID",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_WEBHOOK_SECRET",
    "WHATSAPP_ACCESS_TOKEN",
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_VERIFY_TOKEN",
    "VK_ACCESS_TOKEN",
    "VK_CALLBACK_SECRET",
    "VIBER_AUTH_TOKEN",
    "YOOKASSA_SECRET_KEY",
    "CDEK_CLIENT_SECRET",
    "ONEC_EXCHANGE_PASSWORD",
)
MIN_SECRET_LENGTH = 8


def _mask_phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return f"…{digits[-4:]}"


def _mask_email(match: re.Match[str]) -> str:
    return "…@" + match.group().rpartition("@")[2]


def redact(text: str) -> str:
    """`text` with configured secrets replaced by «***», phones cut to their last four digits
    and e-mails to their domain."""
    for name in SECRET_SETTINGS:
        secret = str(getattr(settings, name, "") or "")
        if len(secret) >= MIN_SECRET_LENGTH and secret in text:
            text = text.replace(secret, "***")
    text = EMAIL.sub(_mask_email, text)
    return PHONE.sub(_mask_phone, text)


class RedactFilter(logging.Filter):
    """Rewrites the record's message (and its traceback) through `redact`; drops nothing."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let the handler report it as usual
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
