"""Distribution of a new deal: returning customer, rules, round-robin, presence, shift, cap."""

from __future__ import annotations

import datetime

import pytest

from deals.choices import AssignmentStrategy, Channel, CustomerType, Presence
from deals.distribution import deal_distribute
from deals.models import Deal, DealAssignment, DistributionRule, StoreDistributionSettings
from tests.factories import CompanyFactory, ContactFactory, DealFactory

from .conftest import NOON, make_profile

pytestmark = pytest.mark.django_db


def _distribute(deal: Deal, now=NOON):
    outcome = deal_distribute(deal=deal, now=now)
    deal.refresh_from_db()
    return outcome


def _rule(name, managers=(), **conditions) -> DistributionRule:
    rule = DistributionRule.objects.create(name=name, **conditions)
    rule.managers.set(managers)
    return rule


@pytest.fixture
def anna_and_vera(manager, vera):
    return make_profile(manager), make_profile(vera)


# --- round-robin ------------------------------------------------------------------------------


def test_round_robin_takes_turns_between_available_managers(store_a, manager, vera, anna_and_vera):
    got = []
    for minute in range(4):
        deal = DealFactory(store=store_a)
        outcome = _distribute(deal, now=NOON + datetime.timedelta(minutes=minute))
        assert outcome.strategy == AssignmentStrategy.ROUND_ROBIN
        got.append(deal.responsible)
    assert got == [manager, vera, manager, vera]


def test_the_least_recently_assigned_manager_gets_the_deal(store_a, vera, anna_and_vera):
    anna_profile, vera_profile = anna_and_vera
    anna_profile.last_assigned_at = NOON - datetime.timedelta(minutes=5)
    anna_profile.save()
    vera_profile.last_assigned_at = NOON - datetime.timedelta(hours=2)
    vera_profile.save()
    deal = DealFactory(store=store_a)
    _distribute(deal)
    assert deal.responsible == vera
    vera_profile.refresh_from_db()
    assert vera_profile.last_assigned_at == NOON


def test_each_assignment_is_logged(store_a, manager, anna_and_vera):
    deal = DealFactory(store=store_a)
    outcome = _distribute(deal)
    entry = DealAssignment.objects.get(deal=deal)
    assert outcome.assignment == entry
    assert (entry.manager, entry.strategy, entry.at) == (
        manager,
        AssignmentStrategy.ROUND_ROBIN,
        NOON,
    )


def test_a_deal_with_a_manager_is_left_alone(store_a, manager, vera, anna_and_vera):
    deal = DealFactory(store=store_a, responsible=vera)
    outcome = _distribute(deal)
    assert deal.responsible == vera
    assert outcome.assignment is None
    assert not DealAssignment.objects.exists()


# --- who is available ------------------------------------------------------------------------


@pytest.mark.parametrize("presence", [Presence.BUSY, Presence.LUNCH, Presence.AWAY])
def test_only_managers_at_their_desk_get_deals(store_a, manager, vera, presence):
    make_profile(manager, presence=presence)
    make_profile(vera)
    deals = [DealFactory(store=store_a) for _ in range(2)]
    for deal in deals:
        _distribute(deal)
    assert [deal.responsible for deal in deals] == [vera, vera]


def test_a_manager_who_does_not_take_deals_is_passed_by(store_a, manager, vera):
    make_profile(manager, accepts_deals=False)
    make_profile(vera)
    deal = DealFactory(store=store_a)
    _distribute(deal)
    assert deal.responsible == vera


def test_a_manager_gets_deals_only_during_their_shift(store_a, manager, vera):
    make_profile(manager, work_start=datetime.time(14, 0), work_end=datetime.time(22, 0))
    make_profile(vera, work_days="0123456")
    morning = DealFactory(store=store_a)
    _distribute(morning)
    evening = DealFactory(store=store_a)
    _distribute(evening, now=NOON.replace(hour=20))
    assert (morning.responsible, evening.responsible) == (vera, manager)


def test_no_deals_on_a_managers_day_off(store_a, manager, vera):
    make_profile(manager, work_days="0156")  # not on Wednesdays
    make_profile(vera)
    deal = DealFactory(store=store_a)
    _distribute(deal)
    assert deal.responsible == vera


def test_a_manager_at_the_cap_is_skipped(store_a, manager, vera):
    make_profile(manager, max_open_deals=2)
    make_profile(vera, last_assigned_at=NOON - datetime.timedelta(minutes=1))
    DealFactory(store=store_a, responsible=manager)
    DealFactory(store=store_a, responsible=manager, stage=Deal.Stage.IN_PROGRESS)
    deal = DealFactory(store=store_a)
    _distribute(deal)
    assert deal.responsible == vera


def test_deals_past_order_placement_do_not_count_against_the_cap(store_a, manager, vera):
    make_profile(manager, max_open_deals=1)
    make_profile(vera, last_assigned_at=NOON - datetime.timedelta(minutes=1))
    for stage in (Deal.Stage.ORDER_PLACED, Deal.Stage.WON, Deal.Stage.LOST):
        DealFactory(store=store_a, responsible=manager, stage=stage)
    deal = DealFactory(store=store_a)
    _distribute(deal)
    assert deal.responsible == manager


def test_managers_get_deals_of_their_stores_only(store_a, store_b, manager, other_manager, vera):
    make_profile(other_manager)  # boris works for store B only
    make_profile(vera, stores=[store_b])  # vera works for both, takes store B's deals only
    deal = DealFactory(store=store_a)
    outcome = _distribute(deal)
    assert deal.responsible is None
    assert outcome.strategy == AssignmentStrategy.QUEUED


def test_a_profile_naming_a_store_the_manager_left_takes_nothing_there(store_a, manager):
    make_profile(manager, stores=[store_a])
    store_a.members.remove(manager)
    deal = DealFactory(store=store_a)
    _distribute(deal)
    assert deal.responsible is None


def test_profiles_narrow_channels_and_customer_types(store_a, manager, vera):
    make_profile(manager, channels=[Channel.TELEGRAM], customer_types=[CustomerType.INDIVIDUAL])
    make_profile(vera, customer_types=[CustomerType.LEGAL_ENTITY])
    telegram = DealFactory(store=store_a, channel=Channel.TELEGRAM)
    _distribute(telegram)
    company = DealFactory(store=store_a, channel=Channel.TELEGRAM, company=CompanyFactory())
    _distribute(company)
    from_site = DealFactory(store=store_a, channel=Channel.SITE)
    _distribute(from_site)
    assert (telegram.responsible, company.responsible, from_site.responsible) == (
        manager,
        vera,
        None,
    )


# --- rules -----------------------------------------------------------------------------------


def test_a_rule_picks_among_its_managers_and_the_log_names_it(store_a, vera, anna_and_vera):
    rule = _rule("Юрлица — Вера", [vera], customer_type=CustomerType.LEGAL_ENTITY)
    deal = DealFactory(store=store_a, company=CompanyFactory())
    outcome = _distribute(deal)
    assert deal.responsible == vera
    assert outcome.rule == rule
    entry = deal.assignments.get()
    assert (entry.rule, entry.rule_name) == (rule, "Юрлица — Вера")


def test_a_deal_no_rule_matches_goes_to_any_suitable_manager(store_a, manager, vera, anna_and_vera):
    _rule("Юрлица — Вера", [vera], customer_type=CustomerType.LEGAL_ENTITY)
    deal = DealFactory(store=store_a)  # a person, not a company
    outcome = _distribute(deal)
    assert deal.responsible == manager
    assert outcome.rule is None
    assert deal.assignments.get().rule_name == ""


@pytest.mark.parametrize(
    "conditions",
    [
        {"channel": Channel.TELEGRAM},
        {"source": "one_click"},
        {"customer_type": CustomerType.LEGAL_ENTITY},
    ],
)
def test_each_condition_of_a_rule_must_match(
    store_a, store_b, manager, vera, anna_and_vera, conditions
):
    _rule("Вера", [vera], **conditions)
    _rule("Чужой магазин", [vera], store=store_b)
    deal = DealFactory(store=store_a, channel=Channel.SITE, source="cart")
    _distribute(deal)
    assert deal.responsible == manager


def test_a_rule_matching_on_store_channel_and_source(store_a, vera, anna_and_vera):
    rule = _rule(
        "Покупка в 1 клик", [vera], store=store_a, channel=Channel.SITE, source="one_click"
    )
    deal = DealFactory(store=store_a, channel=Channel.SITE, source="one_click")
    outcome = _distribute(deal)
    assert (deal.responsible, outcome.rule) == (vera, rule)


def test_the_lower_priority_number_wins_over_a_more_specific_rule(
    store_a, manager, vera, anna_and_vera
):
    _rule("Сайт магазина", [vera], priority=20, store=store_a, channel=Channel.SITE)
    first = _rule("Все заявки", [manager], priority=10)
    deal = DealFactory(store=store_a, channel=Channel.SITE)
    outcome = _distribute(deal)
    assert (deal.responsible, outcome.rule) == (manager, first)


def test_between_equal_priorities_the_more_specific_rule_wins(
    store_a, manager, vera, anna_and_vera
):
    _rule("Все заявки", [manager])
    specific = _rule("Сайт магазина", [vera], store=store_a, channel=Channel.SITE)
    deal = DealFactory(store=store_a, channel=Channel.SITE)
    outcome = _distribute(deal)
    assert (deal.responsible, outcome.rule) == (vera, specific)


def test_an_inactive_rule_is_ignored(store_a, manager, vera, anna_and_vera):
    _rule("Вера", [vera], is_active=False)
    deal = DealFactory(store=store_a)
    _distribute(deal)
    assert deal.responsible == manager


def test_when_the_rules_managers_are_away_the_deal_waits_for_them(store_a, vera, anna_and_vera):
    vera_profile = anna_and_vera[1]
    vera_profile.presence = Presence.LUNCH
    vera_profile.save()
    rule = _rule("Юрлица — Вера", [vera], customer_type=CustomerType.LEGAL_ENTITY)
    deal = DealFactory(store=store_a, company=CompanyFactory())
    outcome = _distribute(deal)
    assert deal.responsible is None
    assert deal.queued_since == NOON
    assert outcome.strategy == AssignmentStrategy.QUEUED
    entry = deal.assignments.get()
    assert (entry.strategy, entry.manager, entry.rule) == (AssignmentStrategy.QUEUED, None, rule)


# --- returning customers ------------------------------------------------------------------------


def test_a_returning_customer_goes_to_the_contacts_manager(store_a, vera, anna_and_vera):
    contact = ContactFactory(responsible=vera)
    deal = DealFactory(store=store_a, contact=contact)
    outcome = _distribute(deal)
    assert deal.responsible == vera
    assert outcome.strategy == AssignmentStrategy.RETURNING_CUSTOMER


def test_a_returning_customer_goes_to_the_manager_of_their_latest_deal(
    store_a, manager, vera, anna_and_vera
):
    contact = ContactFactory()
    DealFactory(store=store_a, contact=contact, responsible=manager, stage=Deal.Stage.WON)
    DealFactory(store=store_a, contact=contact, responsible=vera, stage=Deal.Stage.WON)
    deal = DealFactory(store=store_a, contact=contact)
    outcome = _distribute(deal)
    assert (deal.responsible, outcome.strategy) == (vera, AssignmentStrategy.RETURNING_CUSTOMER)


def test_a_returning_company_goes_to_the_companys_manager(store_a, vera, anna_and_vera):
    deal = DealFactory(store=store_a, company=CompanyFactory(responsible=vera))
    _distribute(deal)
    assert deal.responsible == vera


def test_the_own_manager_wins_over_a_rule(store_a, manager, vera, anna_and_vera):
    _rule("Все — Анне", [manager])
    deal = DealFactory(store=store_a, contact=ContactFactory(responsible=vera))
    outcome = _distribute(deal)
    assert (deal.responsible, outcome.rule) == (vera, None)


def test_an_unavailable_own_manager_does_not_hold_the_deal(store_a, manager, vera, anna_and_vera):
    vera_profile = anna_and_vera[1]
    vera_profile.presence = Presence.BUSY
    vera_profile.save()
    deal = DealFactory(store=store_a, contact=ContactFactory(responsible=vera))
    outcome = _distribute(deal)
    assert (deal.responsible, outcome.strategy) == (manager, AssignmentStrategy.ROUND_ROBIN)


def test_an_own_manager_at_the_cap_does_not_get_the_deal(store_a, manager, vera, anna_and_vera):
    vera_profile = anna_and_vera[1]
    vera_profile.max_open_deals = 1
    vera_profile.save()
    DealFactory(store=store_a, responsible=vera)
    deal = DealFactory(store=store_a, contact=ContactFactory(responsible=vera))
    _distribute(deal)
    assert deal.responsible == manager


def test_a_store_may_turn_returning_customers_off(store_a, manager, vera, anna_and_vera):
    StoreDistributionSettings.objects.create(store=store_a, returning_to_own_manager=False)
    deal = DealFactory(store=store_a, contact=ContactFactory(responsible=vera))
    outcome = _distribute(deal)
    assert (deal.responsible, outcome.strategy) == (manager, AssignmentStrategy.ROUND_ROBIN)


# --- nobody available --------------------------------------------------------------------------


def test_with_nobody_available_the_deal_is_queued(store_a, manager):
    make_profile(manager, presence=Presence.AWAY)
    deal = DealFactory(store=store_a)
    outcome = _distribute(deal)
    assert (outcome.strategy, outcome.manager, deal.responsible) == (
        AssignmentStrategy.QUEUED,
        None,
        None,
    )
    assert deal.queued_since == NOON
    assert deal.assignments.get().strategy == AssignmentStrategy.QUEUED
