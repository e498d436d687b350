"""Page counts of the big admin lists (orders, deals) without counting a million rows.

The stock admin counts the whole filtered list for its paginator: over a million orders that
one `count()` costs more than the rest of the page. This paginator counts exactly up to
EXACT_UP_TO rows, a bounded cost whatever the table size; beyond that, on PostgreSQL, it
takes the planner's estimate of the list's size, and the page shows the figure as «≈ 1 000 000».
On other databases (SQLite in development and tests) it counts exactly.
"""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

#: Lists up to this size are counted exactly (a few milliseconds at most).
EXACT_UP_TO = 10_000


def planner_estimate(queryset: QuerySet) -> int:
    """PostgreSQL's estimate of the number of rows of `queryset`, from its plan: the
    statistics of the last ANALYZE scaled to the table's current size, and the selectivity of
    the filters. Good to a few percent for the whole table, rougher for combined filters."""
    query = queryset.order_by().values("pk").query
    sql, params = query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):  # a driver that leaves JSON undecoded
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    """A paginator whose `count` is exact up to EXACT_UP_TO rows and PostgreSQL's estimate
    beyond; `is_estimate` says which, for the page to show it.

    The last pages of an estimated list follow the estimate: past the real end they are
    empty, and rows past the estimated end are reached by filtering, not by paging."""

    exact_up_to = EXACT_UP_TO
    is_estimate = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet) or connections[queryset.db].vendor != "postgresql":
            return super().count
        # COUNT over a subquery with a LIMIT: reads at most exact_up_to + 1 rows. Of the ids
        # only: the list's per-row figures (annotations) are for the page, not for the count.
        bounded = queryset.order_by().values("pk")[: self.exact_up_to + 1].count()
        if bounded <= self.exact_up_to:
            return bounded
        self.is_estimate = True
        return max(planner_estimate(queryset), bounded)
