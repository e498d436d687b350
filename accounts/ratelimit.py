"""Rate limits on the public endpoints: requests per client address, counted in the cache.

Who may call us without a staff login (the stores' websites, the providers' webhooks, 1C) is
limited per address and per path prefix (settings.RATELIMITS): past the limit a request gets
429 with Retry-After before any of its work is done. The count is a fixed window in the cache
(one `incr` per request): per process with the default locmem cache, shared by every web
process with Redis. A window may let through up to twice its count across its boundary; the
limits are generous and meant against floods, not against a busy store.

The store code is not a key: it is not verified until the signature is, so anyone could spend
another store's allowance with it. The address is, once the proxy in front is trusted
(settings.TRUSTED_PROXIES; see `client_ip`).
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import re
import time
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


@lru_cache(maxsize=64)
def parse_rate(value: str) -> Rate | None:
    """ "12000/m" → 12000 per 60 s, "5/15m" → 5 per 900 s; "off", "" or "0/…" → None (no
    limit). Anything else is a configuration error, raised as ValueError."""
    if value.strip().lower() in ("", "off", "none"):
        return None
    match = _RATE.match(value)
    if match is None:
        raise ValueError(f"not a rate: {value!r} (expected e.g. 600/m or 5/15m)")
    count, multiple, unit = match.groups()
    if int(count) == 0:
        return None
    return Rate(int(count), int(multiple or 1) * _UNIT_SECONDS[unit])


@lru_cache(maxsize=8)
def _networks(values: tuple[str, ...]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(value.strip(), strict=False) for value in values if value.strip()]


def _is_trusted(address: str) -> bool:
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request: HttpRequest) -> str:
    """The address of whoever sent the request.

    REMOTE_ADDR, unless it is one of settings.TRUSTED_PROXIES: then X-Forwarded-For is read
    from the right, skipping our own proxies, and the first other address is the client (the
    entries further left are whatever the client wrote, and are never believed). With no
    trusted proxies configured the header is ignored: anybody can send it.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    if not settings.TRUSTED_PROXIES or not _is_trusted(remote):
        return remote
    forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for address in reversed([p for p in forwarded if p]):
        if not _is_trusted(address):
            return address
    return remote


def _key(scope: str, ident: str, rate: Rate, now: float) -> str:
    # Hashed: an address or a user name never lands in the cache as it is.
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{digest}:{int(now // rate.seconds)}"


def retry_after(rate: Rate, *, now: float | None = None) -> int:
    """Seconds until the current window of `rate` ends."""
    now = time.time() if now is None else now
    return max(1, math.ceil((int(now // rate.seconds) + 1) * rate.seconds - now))


def hit(scope: str, ident: str, rate: Rate, *, now: float | None = None) -> int | None:
    """Count one event of `ident` in `scope`; the seconds until the window ends when this
    one is past `rate.count`, else None.

    A cache that fails (Redis down) lets the request through: the limits protect the site,
    they must not be what takes it down.
    """
    now = time.time() if now is None else now
    key = _key(scope, ident, rate, now)
    try:
        cache.add(key, 0, timeout=rate.seconds + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=rate.seconds + 1)
            count = 1
    except Exception:
        logger.warning("rate limit %s not counted: the cache failed", scope, exc_info=True)
        return None
    return retry_after(rate, now=now) if count > rate.count else None


def exceeded(scope: str, ident: str, rate: Rate, *, now: float | None = None) -> int | None:
    """Like `hit` without counting: the seconds to wait if `ident` is already at the limit."""
    now = time.time() if now is None else now
    try:
        count = int(cache.get(_key(scope, ident, rate, now)) or 0)
    except Exception:
        logger.warning("rate limit %s not read: the cache failed", scope, exc_info=True)
        return None
    return retry_after(rate, now=now) if count >= rate.count else None


def reset(scope: str, ident: str, rate: Rate, *, now: float | None = None) -> None:
    now = time.time() if now is None else now
    try:
        cache.delete(_key(scope, ident, rate, now))
    except Exception:
        logger.warning("rate limit %s not reset: the cache failed", scope, exc_info=True)


def too_many_requests(request: HttpRequest, seconds: int) -> HttpResponse:
    """429 with Retry-After, as JSON on the API (its errors are JSON) and as text elsewhere."""
    message = _("Too many requests. Try again in %(seconds)s s.") % {"seconds": seconds}
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(seconds)
    return response


class RateLimitMiddleware:
    """Applies settings.RATELIMITS ({path prefix: rate}) per client address."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for prefix, value in settings.RATELIMITS.items():
            if request.path.startswith(prefix):
                rate = parse_rate(value)
                if rate is not None:
                    wait = hit(prefix, client_ip(request), rate)
                    if wait is not None:
                        logger.warning("rate limit of %s reached by %s", prefix, client_ip(request))
                        return too_many_requests(request, wait)
                break
        return self.get_response(request)
