"""HMAC-SHA256 signatures of request bodies, as the store API and its callbacks use them.

The header value is ``sha256=<hex digest of HMAC-SHA256(key=secret, msg=raw body)>``; verify
against the exact bytes received, never a re-encoded copy.
"""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "sha256="


def sign_body(body: bytes, secret: str) -> str:
    """The signature header value for `body`."""
    return PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(body: bytes, secret: str, header: str) -> bool:
    """Whether `header` is the signature of `body` with `secret`, compared in constant time."""
    if not secret or not header:
        return False
    return hmac.compare_digest(sign_body(body, secret).encode(), header.strip().encode())
