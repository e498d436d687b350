"""The demo contacts get their purchase figures, segments and ratings from the demo orders."""

from __future__ import annotations

from collections.abc import Callable

from .segments import contact_stats_refresh_all


def refresh_demo_customer_stats(log: Callable[[str], None]) -> None:
    """Recompute every contact's figures; idempotent (the figures follow the orders)."""
    count = contact_stats_refresh_all()
    log(f"Customer figures, segments and ratings computed for {count} contacts")
