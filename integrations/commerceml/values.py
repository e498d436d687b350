"""Values as 1C writes them: decimal commas, spaces between thousands, «true»/«false»."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from .errors import CommerceMLError

NAMESPACE = "urn:1C.ru:commerceml_2"
ROOT = "КоммерческаяИнформация"

_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def local_name(tag: str) -> str:
    """`{urn:1C.ru:commerceml_2}Товар` → `Товар` (files come with and without the namespace)."""
    return tag.rsplit("}", 1)[-1]


def parse_decimal(text: str | None, *, field: str = "") -> Decimal | None:
    """«1 234,50» → Decimal("1234.50"); empty → None; anything else is an error."""
    if text is None:
        return None
    cleaned = _SPACES.sub("", text).replace(",", ".")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise CommerceMLError(f"Not a number in {field or 'a field'}: {text.strip()!r}") from None
    if not value.is_finite():
        raise CommerceMLError(f"Not a number in {field or 'a field'}: {text.strip()!r}")
    return value


def parse_bool(text: str | None) -> bool:
    return (text or "").strip().lower() in {"true", "1", "да", "истина", "yes"}


def format_decimal(value: Decimal | int, places: int = 2) -> str:
    return f"{Decimal(value):.{places}f}"


def format_quantity(value: Decimal | int) -> str:
    value = Decimal(value)
    return str(int(value)) if value == value.to_integral_value() else format_decimal(value, 3)
