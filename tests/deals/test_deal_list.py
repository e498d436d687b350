"""The deal list at any size: a fixed number of queries whatever the page size, the count
estimated past a threshold (automation.paginator), the «created» filter instead of a date
hierarchy, and the per-row figures (unread messages, draft total) computed for the page's
rows only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from automation.paginator import EstimatedCountPaginator
from contacts.models import Message
from deals.admin import DealAdmin
from deals.models import Deal
from tests.factories import ContactFactory, DealFactory, DealItemFactory, MessageFactory

pytestmark = pytest.mark.django_db

LIST = reverse("admin:deals_deal_changelist")


@pytest.fixture
def lead(client, team_lead):
    client.force_login(team_lead)
    return client


def _unread(deal: Deal, count: int) -> None:
    for _ in range(count):
        MessageFactory(
            contact=deal.contact,
            direction=Message.Direction.INBOUND,
            content_type=ContentType.objects.get_for_model(Deal),
            object_id=deal.pk,
        )


def _deal_with_figures(store, *, unread: int = 1) -> Deal:
    """A deal with two draft lines (2 × 150 ₽ and 1 × 200 ₽: 500 ₽) and `unread` messages."""
    deal = DealFactory(store=store)
    DealItemFactory(deal=deal, quantity=2, price=Decimal("150.00"))
    DealItemFactory(deal=deal, quantity=1, price=Decimal("200.00"))
    _unread(deal, unread)
    return deal


@pytest.mark.parametrize("per_page", [3, 30])
@pytest.mark.parametrize(
    "query",
    [
        {},
        {"stage": "new", "store": "{store}"},
        {"q": "8 999 123-45-67"},
        {"p": "2"},
        {"unread": "yes"},
        {"created_at__gte": "2000-01-01 00:00:00+03:00"},
    ],
    ids=["all", "stage and store", "phone", "second page", "unread", "created"],
)
def test_the_deal_list_costs_the_same_queries_for_any_page_size(
    lead, store_a, monkeypatch, per_page, query, django_assert_max_num_queries
):
    monkeypatch.setattr(DealAdmin, "list_per_page", per_page)
    customer = ContactFactory(phone="+79991234567")
    for _ in range(2 * per_page):
        deal = DealFactory(store=store_a, contact=customer)
        DealItemFactory(deal=deal)
        _unread(deal, 1)
    params = {key: value.format(store=store_a.pk) for key, value in query.items()}

    with django_assert_max_num_queries(13):
        response = lead.get(LIST, params)

    assert len(response.context["cl"].result_list) == per_page


def test_each_row_shows_its_own_unread_count_and_draft_total(lead, store_a):
    quiet = _deal_with_figures(store_a, unread=0)
    chatty = _deal_with_figures(store_a, unread=3)
    DealFactory(store=store_a)  # no lines, no messages

    rows = {deal.pk: deal for deal in lead.get(LIST).context["cl"].result_list}

    assert (rows[chatty.pk]._unread, rows[chatty.pk]._draft_total) == (3, Decimal("500.00"))
    assert (rows[quiet.pk]._unread, rows[quiet.pk]._draft_total) == (0, Decimal("500.00"))
    empty = next(deal for pk, deal in rows.items() if pk not in (quiet.pk, chatty.pk))
    assert (empty._unread, empty._draft_total) == (0, None)
    assert DealAdmin.draft_total(None, empty) == 0


def test_the_list_counts_exactly_below_the_threshold_and_offers_show_all(lead, store_a):
    for _ in range(3):
        DealFactory(store=store_a)

    response = lead.get(LIST, {"stage": "new"})

    cl = response.context["cl"]
    assert isinstance(cl.paginator, EstimatedCountPaginator)
    assert (cl.result_count, cl.paginator.is_estimate, cl.show_full_result_count) == (
        3,
        False,
        False,
    )
    assert "Показать все" in response.content.decode()


def test_the_created_filter_replaces_the_date_hierarchy(lead, store_a):
    DealFactory(store=store_a)

    response = lead.get(LIST)

    cl = response.context["cl"]
    assert cl.date_hierarchy is None
    assert any(
        spec.title == "created" or "created_at" in getattr(spec, "field_path", "")
        for spec in cl.filter_specs
    )


def test_the_figures_do_not_sort_the_list(lead, store_a):
    """Sorting by them would compute them for every deal of the list."""
    assert not hasattr(DealAdmin.draft_total, "admin_order_field")
    assert not hasattr(DealAdmin.unread_count, "admin_order_field")


def test_the_newest_deals_come_first_ties_by_id(lead, store_a):
    older = DealFactory(store=store_a)
    first, second = DealFactory(store=store_a), DealFactory(store=store_a)
    Deal.objects.filter(pk__in=[first.pk, second.pk]).update(created_at=older.created_at)
    Deal.objects.filter(pk=older.pk).update(created_at=older.created_at.replace(year=2020))

    rows = list(lead.get(LIST).context["cl"].result_list)

    assert rows == [second, first, older]


def test_the_count_leaves_the_figures_out_and_the_page_computes_them(lead, store_a, monkeypatch):
    monkeypatch.setattr(DealAdmin, "list_per_page", 2)  # two pages: the first one is a LIMIT
    for _ in range(3):
        _deal_with_figures(store_a)

    with CaptureQueriesContext(connection) as captured:
        lead.get(LIST)

    deal_queries = [q["sql"] for q in captured if 'FROM "deals_deal"' in q["sql"]]
    counts = [sql for sql in deal_queries if sql.startswith("SELECT COUNT(")]
    pages = [sql for sql in deal_queries if "LIMIT" in sql and sql not in counts]
    assert counts
    assert not any("deals_dealitem" in sql or "contacts_message" in sql for sql in counts)
    assert len(pages) == 1
    assert "deals_dealitem" in pages[0]
    assert "contacts_message" in pages[0]
    assert "GROUP BY" not in pages[0].split("FROM", 1)[0]  # no aggregate over the deals


@pytest.mark.postgres
def test_above_the_threshold_the_deal_list_shows_the_planners_estimate(
    on_postgres, lead, store_a, monkeypatch
):
    monkeypatch.setattr(EstimatedCountPaginator, "exact_up_to", 5)
    for _ in range(8):
        DealFactory(store=store_a)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE deals_deal")  # the statistics the estimate comes from

    response = lead.get(LIST)

    cl = response.context["cl"]
    assert (cl.result_count, cl.paginator.is_estimate) == (8, True)
    assert "≈&nbsp;8" in response.content.decode()
