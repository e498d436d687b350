"""The store API's signature, both ways: the store's website signs what it sends us, and we sign
the events we send to its callback URL, with the same scheme.

Headers: `X-Store-Code: <store code>` and `X-Signature: sha256=<hex HMAC-SHA256 of the raw body,
keyed with the store's api_secret>`.
"""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "sha256="


def sign(body: bytes, secret: str) -> str:
    """The `X-Signature` value of `body`: "sha256=" and the hex HMAC-SHA256 with `secret`."""
    return PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(body: bytes, secret: str, header: str) -> bool:
    """True when `header` is the signature of `body` with `secret` (compared in constant time).
    An empty secret never matches: a store without a key cannot be impersonated with one."""
    if not secret or not header:
        return False
    return hmac.compare_digest(header.strip().lower().encode(), sign(body, secret).encode())
