"""Failed logins (the admin's, and the 1C exchange's under one name): after too many, logging
in is refused for a while.

Counted per user name and client address (settings.LOGIN_FAILURES_PER_USER: guessing one
person's password) and per address alone (settings.LOGIN_FAILURES_PER_ADDRESS: trying a few
passwords on many names). While either is past its limit, the login form refuses even the right
password, with 429 and Retry-After; the count ends with its period. A successful login clears
the name's count from that address.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .ratelimit import client_ip, exceeded, hit, parse_rate, reset

USER_SCOPE = "login-user"
ADDRESS_SCOPE = "login-address"


def _limits(username: str, address: str):
    """(scope, identity, rate) of each configured limit."""
    limits = [
        (USER_SCOPE, f"{username.strip().lower()}|{address}", settings.LOGIN_FAILURES_PER_USER),
        (ADDRESS_SCOPE, address, settings.LOGIN_FAILURES_PER_ADDRESS),
    ]
    return [(scope, ident, rate) for scope, ident, value in limits if (rate := parse_rate(value))]


def login_locked_out(username: str, address: str) -> int | None:
    """Seconds until `username` may try again from `address`, or None if they may now."""
    waits = [exceeded(*limit) for limit in _limits(username, address)]
    return max((wait for wait in waits if wait), default=None)


def login_failed(username: str, address: str) -> None:
    for limit in _limits(username, address):
        hit(*limit)


def login_succeeded(username: str, address: str) -> None:
    for scope, ident, rate in _limits(username, address):
        if scope == USER_SCOPE:
            reset(scope, ident, rate)


class LockoutAuthenticationForm(AdminAuthenticationForm):
    """The admin's login form, refusing a locked-out name or address before it checks the
    password. The wait is left on the request for the view's 429 (accounts.admin)."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = client_ip(self.request) if self.request is not None else ""
        wait = login_locked_out(username, address)
        if wait is not None:
            if self.request is not None:
                self.request.login_retry_after = wait
            raise ValidationError(
                _("Too many failed login attempts. Try again in %(minutes)s min.")
                % {"minutes": math.ceil(wait / 60)},
                code="locked_out",
            )
        try:
            cleaned = super().clean()
        except ValidationError as error:
            if any(e.code == "invalid_login" for e in error.error_list):
                login_failed(username, address)
            raise
        login_succeeded(username, address)
        return cleaned
