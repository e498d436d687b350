"""The demo stores tell the fake store website (integrations.sandbox.storesite) about their
orders: after `seed_demo`, every order moved along in the demo sends its events there."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings

from catalog.models import Store

from .demo import STORES


def sandbox_callback_url() -> str:
    return f"{settings.SITE_URL}/sandbox/storesite/events/"


def point_demo_stores_at_sandbox(log: Callable[[str], None]) -> None:
    """Set the demo stores' callback URL, unless someone set one already. Run after the demo
    orders are created, so their back-dated history sends no events; idempotent."""
    codes = [code for code, _name, _secret in STORES]
    updated = Store.objects.filter(code__in=codes, callback_url="").update(
        callback_url=sandbox_callback_url()
    )
    if updated:
        log(f"Demo stores send order events to {sandbox_callback_url()}")
