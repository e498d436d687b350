"""The fake store website of the demo: it receives the order events we send to a store's
callback URL (integrations.storesite), checks their signature and keeps what it got.

The sandbox knows none of our models, so the app that owns the stores registers how to find a
store's secret by its code (`register_secret_lookup`). What the site received lives in Django's
cache (the demo's web process, or Redis with CACHE_URL): it is a demo page, not a record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache import cache

#: How many of the latest received events are kept and shown.
KEEP = 200
_EVENTS_KEY = "sandbox:storesite:events"
_DOWN_KEY = "sandbox:storesite:down"
#: Long enough for a demo; the page's switch sets and clears it.
_FOREVER = 7 * 24 * 3600

SecretLookup = Callable[[str], "str | None"]
_secret_lookup: SecretLookup | None = None


def register_secret_lookup(lookup: SecretLookup) -> None:
    """`lookup(store_code)` returns the store's api_secret, or None for an unknown store."""
    global _secret_lookup
    _secret_lookup = lookup


def store_secret(code: str) -> str | None:
    if _secret_lookup is None or not code:
        return None
    return _secret_lookup(code)


def received_events() -> list[dict[str, Any]]:
    """What the site received, newest first."""
    return list(cache.get(_EVENTS_KEY) or [])


def remember(entry: dict[str, Any]) -> None:
    # Read-modify-write: two events arriving in the same instant may drop one from this demo
    # page; the office's own record (StoreEvent) is unaffected.
    cache.set(_EVENTS_KEY, [entry, *received_events()][:KEEP], _FOREVER)


def seen(event_id: str) -> bool:
    return any(entry.get("event_id") == event_id for entry in received_events())


def is_down() -> bool:
    """The site plays «503 Service Unavailable» to show the retries."""
    return bool(cache.get(_DOWN_KEY))


def set_down(down: bool) -> None:
    if down:
        cache.set(_DOWN_KEY, True, _FOREVER)
    else:
        cache.delete(_DOWN_KEY)


def forget_all() -> None:
    cache.delete_many([_EVENTS_KEY, _DOWN_KEY])
