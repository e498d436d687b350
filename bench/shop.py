"""What the benches that drive the store API share: the headers of a signed order post, and
managers at their desks around the clock (so every order is distributed as it arrives).
Import it after `django.setup()`, as the benches' other model imports."""

from __future__ import annotations

import datetime

from deals.choices import Presence
from deals.models import ManagerProfile
from integrations.storesite.signing import sign


def store_api_headers(body: bytes, store_code: str, secret: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Store-Code": store_code,
        "X-Signature": sign(body, secret),
    }


def at_desk_around_the_clock(user, **profile) -> ManagerProfile:
    return ManagerProfile.objects.create(
        user=user,
        presence=Presence.AT_DESK,
        work_days="0123456",
        work_start=datetime.time(0, 0),
        work_end=datetime.time(23, 59),
        **profile,
    )
