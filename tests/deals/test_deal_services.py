"""Creating deals and moving them through their stages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from automation.exceptions import ConcurrentChange, TransitionForbidden, TransitionNotAllowed
from deals.choices import Channel
from deals.exceptions import DealError
from deals.models import Deal, DealItem, NumberSequence
from deals.services import (
    ItemSpec,
    deal_create,
    deal_lose,
    deal_take_into_work,
)
from orders.models import Status
from tests.factories import (
    ContactFactory,
    DealFactory,
    OrderFactory,
    ProductFactory,
    RefusalReasonFactory,
)

pytestmark = pytest.mark.django_db


def _create(store, **kwargs) -> Deal:
    kwargs.setdefault("contact", ContactFactory())
    return deal_create(store=store, channel=Channel.PHONE, **kwargs)


def test_it_numbers_deals_consecutively_and_titles_them_with_the_number(store_a):
    first = _create(store_a)
    second = _create(store_a)

    assert int(second.number) == int(first.number) + 1
    assert (first.title, second.title) == (f"Заказ №{first.number}", f"Заказ №{second.number}")


def test_it_titles_the_deal_in_the_sites_language_whatever_the_user_reads(store_a):
    with translation.override("en"):
        deal = _create(store_a)

    assert deal.title == f"Заказ №{deal.number}"


def test_it_keeps_a_title_the_manager_typed(store_a):
    deal = _create(store_a, title="Диван для дачи")

    assert deal.title == "Диван для дачи"


def test_it_copies_the_items_with_catalogue_or_given_prices(store_a):
    sofa = ProductFactory(sku="SOFA-1", price=Decimal("25000.00"))
    ProductFactory(sku="PILLOW-1", price=Decimal("900.00"))

    deal = _create(
        store_a,
        items=[ItemSpec("SOFA-1", 1), ItemSpec("PILLOW-1", 4, price=Decimal("750.00"))],
    )

    lines = [(i.product.sku, i.quantity, i.price) for i in deal.items.select_related("product")]
    assert lines == [("SOFA-1", 1, sofa.price), ("PILLOW-1", 4, Decimal("750.00"))]


@pytest.mark.parametrize(
    "spec",
    [
        ItemSpec("NO-SUCH-SKU", 1),
        ItemSpec("SOFA-1", 0),
        ItemSpec("SOFA-1", 1, price=Decimal("-1.00")),
    ],
    ids=["unknown-sku", "quantity-0", "negative-price"],
)
def test_it_refuses_a_bad_line_naming_it_and_writes_nothing(store_a, spec):
    ProductFactory(sku="SOFA-1")
    ProductFactory(sku="GOOD-1")
    numbers_before = list(NumberSequence.objects.values_list("name", "last_value"))

    with pytest.raises(DealError) as exc_info:
        _create(store_a, items=[ItemSpec("GOOD-1", 1), spec])

    assert len(exc_info.value.messages) == 1
    assert spec.sku in exc_info.value.messages[0]
    assert Deal.objects.count() == 0
    assert DealItem.objects.count() == 0
    # The number drawn for the refused deal goes back: no gaps in the managers' numbering.
    assert list(NumberSequence.objects.values_list("name", "last_value")) == numbers_before


def test_it_names_every_bad_line_at_once(store_a):
    with pytest.raises(DealError) as exc_info:
        _create(store_a, items=[ItemSpec("NOPE-1", 1), ItemSpec("NOPE-2", 1)])

    assert [("NOPE-1" in m, "NOPE-2" in m) for m in exc_info.value.messages] == [
        (True, False),
        (False, True),
    ]


def test_it_refuses_a_deal_without_a_customer(store_a):
    with pytest.raises(DealError):
        deal_create(store=store_a, channel=Channel.PHONE)

    assert Deal.objects.count() == 0


def test_it_makes_the_manager_who_takes_an_unassigned_deal_responsible(manager, store_a):
    deal = DealFactory(store=store_a, responsible=None)

    deal = deal_take_into_work(deal_id=deal.pk, actor=manager)

    deal.refresh_from_db()
    assert deal.stage == Deal.Stage.IN_PROGRESS
    assert deal.responsible == manager
    log = deal.transitions.get()
    assert (log.source, log.target, log.actor) == (Deal.Stage.NEW, Deal.Stage.IN_PROGRESS, manager)


def test_it_keeps_the_responsible_of_an_assigned_deal(manager, team_lead, store_a):
    deal = DealFactory(store=store_a, responsible=team_lead)

    deal_take_into_work(deal_id=deal.pk, actor=manager)

    deal.refresh_from_db()
    assert deal.responsible == team_lead


def test_it_requires_a_reason_to_lose_a_deal(manager, store_a):
    deal = DealFactory(store=store_a)

    with pytest.raises(DealError):
        deal_lose(deal_id=deal.pk, actor=manager, reason=None)

    deal.refresh_from_db()
    assert deal.stage == Deal.Stage.NEW
    assert not deal.transitions.exists()


def test_it_loses_a_deal_with_the_reason_and_logs_it(manager, store_a):
    reason = RefusalReasonFactory(code="found_cheaper", name="Нашёл дешевле")
    deal = DealFactory(store=store_a)

    deal_lose(deal_id=deal.pk, actor=manager, reason=reason, comment="У конкурента на 10% дешевле")

    deal.refresh_from_db()
    assert deal.stage == Deal.Stage.LOST
    assert (deal.lost_reason, deal.lost_comment) == (reason, "У конкурента на 10% дешевле")
    log = deal.transitions.get()
    assert (log.name, log.reason, log.comment, log.actor) == (
        "lose",
        "Нашёл дешевле",
        "У конкурента на 10% дешевле",
        manager,
    )


def test_it_refuses_to_lose_a_deal_while_its_order_is_active(manager, store_a):
    order = OrderFactory(store=store_a, status=Status.NEW)
    deal = order.deal

    with pytest.raises(TransitionNotAllowed):
        deal_lose(deal_id=deal.pk, actor=manager, reason=RefusalReasonFactory())

    deal.refresh_from_db()
    assert deal.stage == Deal.Stage.ORDER_PLACED
    assert not deal.transitions.exists()


def test_it_loses_a_deal_whose_order_was_cancelled(manager, store_a):
    order = OrderFactory(store=store_a, status=Status.CANCELLED)

    deal = deal_lose(deal_id=order.deal_id, actor=manager, reason=RefusalReasonFactory())

    assert deal.stage == Deal.Stage.LOST


def test_it_forbids_losing_a_deal_without_the_permission(warehouse_user, store_a):
    deal = DealFactory(store=store_a)

    with pytest.raises(TransitionForbidden):
        deal_lose(deal_id=deal.pk, actor=warehouse_user, reason=RefusalReasonFactory())

    deal.refresh_from_db()
    assert deal.stage == Deal.Stage.NEW
    assert not deal.transitions.exists()


def test_it_refuses_to_act_on_a_stage_the_user_did_not_see(manager, team_lead, store_a):
    deal = DealFactory(store=store_a)
    seen = deal.stage
    deal_take_into_work(deal_id=deal.pk, actor=team_lead)

    with pytest.raises(ConcurrentChange):
        deal_lose(
            deal_id=deal.pk, actor=manager, reason=RefusalReasonFactory(), expected_state=seen
        )

    deal.refresh_from_db()
    assert deal.stage == Deal.Stage.IN_PROGRESS
    assert deal.transitions.count() == 1
