"""PostgreSQL's own rate for the core of an order transition, to compare `bench.transitions` with:
the guarded status UPDATE and the history INSERT in plain SQL through psycopg2, one transaction
per transition, one connection (as the ORM bench is one process), on the same orders in the same
test database. No row lock, conditions, permission checks, hooks or savepoints: what is left
when the application does nothing but record the move."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db.models import Model

UPDATE = (
    "UPDATE orders_order SET status = %s, version = version + 1, stage_changed_at = now(), "
    "updated_at = now() WHERE id = %s AND status = %s"
)
INSERT = (
    "INSERT INTO orders_ordertransition (name, source, target, via, reason, comment, "
    "created_at, order_id) VALUES (%s, %s, %s, 'system', '', '', now(), %s)"
)


@dataclass(frozen=True)
class RawRate:
    transitions: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.transitions / self.seconds if self.seconds else 0.0


def path_states(model: type[Model], names: list[str], start: str) -> list[tuple[str, str, str]]:
    """(name, source, target) of each transition in `names`, taken one after the other from
    `start`, as the model's status matrix defines them."""
    transitions = list(model._meta.get_field("status").get_all_transitions(model))
    steps, state = [], start
    for name in names:
        found = [t for t in transitions if t.name == name and t.source in (state, "*")]
        if not found:
            raise ValueError(f"no transition {name!r} from {state!r}")
        steps.append((name, state, found[0].target))
        state = found[0].target
    return steps


def measure(dsn: dict, order_ids: list[int], steps: list[tuple[str, str, str]]) -> RawRate:
    """Moves every order of `order_ids` back to the first source (untimed), then along `steps`
    step by step as the ORM bench does, each transition its own transaction."""
    import psycopg2

    conn = psycopg2.connect(
        dbname=dsn["NAME"],
        user=dsn["USER"],
        password=dsn["PASSWORD"],
        host=dsn["HOST"],
        port=dsn["PORT"] or 5432,
    )
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "UPDATE orders_order SET status = %s WHERE id = ANY(%s)",
                [steps[0][1], order_ids],
            )
        count = 0
        started = time.perf_counter()
        for name, source, target in steps:
            for order_id in order_ids:
                with conn, conn.cursor() as cur:
                    cur.execute(UPDATE, [target, order_id, source])
                    if cur.rowcount != 1:
                        raise RuntimeError(f"order {order_id} was not at {source!r}")
                    cur.execute(INSERT, [name, source, target, order_id])
                count += 1
        return RawRate(count, time.perf_counter() - started)
    finally:
        conn.close()
