"""Helpers of the distribution tests: manager profiles that are available unless told
otherwise, and a fixed moment inside everyone's shift."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from deals.choices import Presence
from deals.models import ManagerProfile
from orders.roles import MANAGER
from tests.factories import UserFactory

#: Wednesday 4 March 2026, 12:00 in Moscow: a working day, inside a 09:00-18:00 shift.
NOON = datetime.datetime(2026, 3, 4, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))


def make_profile(user, **fields) -> ManagerProfile:
    stores = fields.pop("stores", ())
    fields.setdefault("presence", Presence.AT_DESK)
    profile = ManagerProfile.objects.create(user=user, **fields)
    profile.stores.set(stores)
    return profile


@pytest.fixture
def vera(store_a, store_b):
    """A third manager, of both stores."""
    return UserFactory(username="vera", groups=[MANAGER], stores=[store_a, store_b])
