"""Demo data of fulfillment, loaded by `manage.py seed_demo` after the orders' own demo data
(orders.demo): each step below is idempotent and gets the seed's log function."""

from __future__ import annotations

from collections.abc import Callable

from deals.demo_distribution import seed_distribution_demo
from deals.demo_inbox import seed_inbox_demo
from integrations.sandbox.demo import seed_cdek_sandbox
from orders.demo_segments import refresh_demo_customer_stats
from orders.demo_store_events import point_demo_stores_at_sandbox

from .demo_assembly import align_demo_assembly_documents
from .onec.demo import seed_onec_demo

Log = Callable[[str], None]

#: The steps run in this order after orders.demo.seed_demo.
DEMO_STEPS: list[Callable[[Log], None]] = [
    align_demo_assembly_documents,
    seed_cdek_sandbox,
    seed_onec_demo,
    seed_distribution_demo,
    seed_inbox_demo,
    # After every step that writes orders: the figures are computed from them.
    refresh_demo_customer_stats,
    # Last: the demo history written above must not send events to the store website.
    point_demo_stores_at_sandbox,
]
