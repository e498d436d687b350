from __future__ import annotations

from django.db import connection, transaction

from .models import NumberSequence

#: Deal numbers start here so that they never look like the store's own small numbers.
FIRST_DEAL_NUMBER = 10001


def next_number(name: str = "deal", *, start: int = FIRST_DEAL_NUMBER) -> str:
    """Draw the next number of sequence `name`; unique even under concurrent requests.

    One UPDATE … RETURNING (PostgreSQL, SQLite ≥ 3.35): it takes the row lock, so two
    transactions drawing at the same time get consecutive numbers, never the same one. The row
    is created on first use.
    """
    table = connection.ops.quote_name(NumberSequence._meta.db_table)
    sql = f"UPDATE {table} SET last_value = last_value + 1 WHERE name = %s RETURNING last_value"
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(sql, [name])
        row = cursor.fetchone()
        if row is None:
            NumberSequence.objects.get_or_create(name=name, defaults={"last_value": start - 1})
            cursor.execute(sql, [name])
            row = cursor.fetchone()
    return str(row[0])
