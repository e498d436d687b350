"""Demo data of the sandbox, a step for `manage.py seed_demo` (fulfillment.demo.DEMO_STEPS)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.conf import settings

from .models import SandboxCdekWebhook

#: Our ORDER_STATUS webhook (DESIGN.md, inbound contracts).
CDEK_WEBHOOK_PATH = "/webhooks/cdek/"


def seed_cdek_sandbox(log: Callable[[str], None]) -> None:
    """Subscribe our CDEK webhook in the fake CDEK, as `ensure_webhook` would; idempotent.

    Done in the table, not over HTTP: the server is not running while the demo is seeded.
    """
    url = f"{settings.SITE_URL.rstrip('/')}{CDEK_WEBHOOK_PATH}"
    _hook, created = SandboxCdekWebhook.objects.get_or_create(
        url=url, type="ORDER_STATUS", defaults={"uuid": str(uuid.uuid4())}
    )
    log(f"sandbox CDEK: ORDER_STATUS webhook {url} {'subscribed' if created else 'already there'}")
