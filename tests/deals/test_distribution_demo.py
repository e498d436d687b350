"""The demo ships the distribution configured, with deals waiting in the queue."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from deals.distribution import deal_queue
from deals.models import DealAssignment, DistributionRule, ManagerProfile, StoreDistributionSettings

pytestmark = pytest.mark.django_db


def _seed():
    call_command("seed_demo", deals=40, stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_the_demo_configures_distribution_and_queues_deals_once():
    _seed()
    assert set(ManagerProfile.objects.values_list("user__username", flat=True)) == {
        "anna",
        "boris",
        "vera",
    }
    assert DistributionRule.objects.filter(is_active=True, managers__isnull=False).count() == 3
    assert StoreDistributionSettings.objects.count() == 2
    assert deal_queue().exists()
    counts = (
        DealAssignment.objects.count(),
        deal_queue().count(),
        DistributionRule.objects.count(),
    )
    _seed()
    assert (
        DealAssignment.objects.count(),
        deal_queue().count(),
        DistributionRule.objects.count(),
    ) == counts
