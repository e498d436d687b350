"""Filling big tables with one `INSERT … SELECT … FROM generate_series` each: the benches give
the SQL expression of the columns they care about, every other column gets its model default."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import DatabaseError, connection, transaction
from django.db.models import Model


def model_columns(
    model: type[Model], overrides: dict[str, str], values: dict, *, bench: str
) -> tuple[list[str], list[str]]:
    """Every concrete column of `model`'s table: the SQL expression given for it, else the
    model default as a named parameter (added to `values`). The primary key is left to the
    table unless given. Refuses a NOT NULL column with neither: a field added since is a reason
    to look at the fill again, not to guess."""
    table = model._meta.db_table
    known = {field.column for field in model._meta.concrete_fields}
    if unknown := set(overrides) - known:
        raise SystemExit(f"{bench}: no such columns in {table}: {unknown}")
    columns, expressions = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.column not in overrides:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.column in overrides:
            expressions.append(overrides[field.column])
            continue
        value = field.get_default()
        if value is None:
            if not field.null:
                raise SystemExit(
                    f"{bench}: {table}.{field.column} is NOT NULL and has no default; give it "
                    "a value in the fill."
                )
            expressions.append("NULL")
            continue
        key = f"default_{table}_{field.column}"
        values[key] = field.get_db_prep_save(value, connection)
        expressions.append(f"%({key})s")
    return columns, expressions


def insert_select(
    model: type[Model], overrides: dict[str, str], values: dict, *, source: str, bench: str
) -> None:
    """INSERT INTO `model`'s table the rows of `SELECT <columns> FROM <source>`: `source` is
    the FROM clause (e.g. "generate_series(1, %(n)s) AS g"), the expressions may use its
    names and the named parameters in `values`."""
    values = dict(values)
    columns, expressions = model_columns(model, overrides, values, bench=bench)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(expressions)} FROM {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)


@contextmanager
def foreign_key_checks_skipped():
    """One transaction in which the per-row foreign-key checks are skipped, if this connection
    may (a superuser: the rows point at what the fill has just created). Yields "skipped", or
    "checked (not a superuser)" when it may not: the fill is then just slower."""
    with transaction.atomic():
        status = "skipped"
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            status = "checked (not a superuser)"
        yield status
