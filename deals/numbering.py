from __future__ import annotations

from django.db import connection, transaction

from .models import NumberSequence

#: Deal numbers start here so that they never look like the store's own small numbers.
FIRST_DEAL_NUMBER = 10001
#: Counters that are PostgreSQL sequences (deals/migrations/0005_number_sequences.py).
DATABASE_SEQUENCES = frozenset({"deal", "assembly"})


def next_number(name: str = "deal", *, start: int = FIRST_DEAL_NUMBER) -> str:
    """Draw the next number of sequence `name`; unique even under concurrent requests.

    On PostgreSQL the deal and assembly numbers come from database sequences: `nextval` takes
    no lock that lasts until commit, so simultaneous orders do not wait for each other. A
    number drawn by a transaction that is then rolled back is not reused (a gap, as with any
    sequence); numbers only need to be unique and increasing.

    Elsewhere (SQLite, other counters) one UPDATE … RETURNING on the counter row: it holds the
    row lock until commit, so the numbers have no gaps. The row is created on first use.
    """
    if connection.vendor == "postgresql" and name in DATABASE_SEQUENCES:
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [f"number_seq_{name}"])
            return str(cursor.fetchone()[0])
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
