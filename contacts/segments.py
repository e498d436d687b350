"""How a customer's segment and rating read on a page: the stars, the one-line summary the
manager sees in a deal or an order. The figures themselves are computed by orders.segments."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Contact

MAX_RATING = 5


def rating_stars(rating: int | None) -> str:
    """«★★★☆☆» for 3; an em dash for a customer not rated yet."""
    if rating is None:
        return "—"
    return "★" * rating + "☆" * (MAX_RATING - rating)


def format_roubles(amount: Decimal) -> str:
    """«42 300 ₽»: whole roubles with a non-breaking space between thousands."""
    whole = int(amount.quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    return f"{whole:,}".replace(",", "\u00a0") + "\u00a0₽"


def customer_summary(contact: Contact | None) -> str:
    """«Повторный · ★★★★☆ · 5 заказов на 42 300 ₽»: who is calling, in one line."""
    if contact is None:
        return "—"
    count = contact.issued_orders_count
    purchases = ngettext(
        "%(count)s order for %(spent)s", "%(count)s orders for %(spent)s", count
    ) % {"count": count, "spent": format_roubles(contact.total_spent)}
    if not count:
        purchases = _("no issued orders")
    return " · ".join((contact.get_segment_display(), rating_stars(contact.rating), purchases))
