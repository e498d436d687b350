"""How the reports page shows its cells."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def report_cell(value):
    """Money (Decimal) with kopecks and grouped thousands, «1 241 280,00»; the rest as it is.
    (SQLite sums come without their scale: «122320» next to «1241280,00» otherwise.)"""
    if isinstance(value, Decimal):
        return number_format(value.quantize(Decimal("0.01")), decimal_pos=2, force_grouping=True)
    return value
