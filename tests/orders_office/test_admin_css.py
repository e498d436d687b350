"""Every status badge the admin renders has a colour: the badge's text is white, so a badge
without a background rule is invisible (the deal list's unread count was)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "automation", "catalog", "contacts", "deals", "fulfillment", "orders")
BADGE_USE = re.compile(r"status-badge ([a-z][a-z_-]*)")
BADGE_RULE = re.compile(r"\.status-badge\.([a-z][a-z_-]*)\s*\{[^}]*background")


def _badge_kinds_used() -> set[str]:
    kinds = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*"):
            if path.suffix in {".py", ".html"}:
                kinds.update(BADGE_USE.findall(path.read_text(encoding="utf-8")))
    return kinds


def test_every_status_badge_kind_has_a_background_colour():
    css = (ROOT / "orders_office/static/orders_office/admin.css").read_text(encoding="utf-8")
    coloured = set(BADGE_RULE.findall(css))
    used = _badge_kinds_used()

    assert {"overdue", "soon", "unread"} <= used
    assert used - coloured == set()
