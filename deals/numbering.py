from __future__ import annotations

from django.db import transaction
from django.db.models import F

from .models import NumberSequence

#: Deal numbers start here so that they never look like the store's own small numbers.
FIRST_DEAL_NUMBER = 10001


def next_number(name: str = "deal", *, start: int = FIRST_DEAL_NUMBER) -> str:
    """Draw the next number of sequence `name`; unique even under concurrent requests.

    The row is created on first use; the UPDATE takes a row lock, so two transactions drawing
    at the same time get consecutive numbers, never the same one.
    """
    with transaction.atomic():
        NumberSequence.objects.get_or_create(name=name, defaults={"last_value": start - 1})
        NumberSequence.objects.filter(name=name).update(last_value=F("last_value") + 1)
        value = NumberSequence.objects.values_list("last_value", flat=True).get(name=name)
    return str(value)
