from __future__ import annotations

import pytest

from automation.models import StageLimit
from automation.models.limits import TimeKind


@pytest.fixture
def limit(db):
    """Factory: a stage time limit of `minutes` for an order status (working time by default)."""

    def make(state: str, minutes: int, *, subject="orders.order", kind=TimeKind.WORKING, warn=80):
        return StageLimit.objects.create(
            subject=subject, state=state, minutes=minutes, time_kind=kind, warn_at_percent=warn
        )

    return make
