"""The groups the migrations create are the roles the code describes."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from orders.roles import ROLE_PERMISSIONS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", list(ROLE_PERMISSIONS))
def test_the_migrated_group_has_exactly_the_roles_permissions(role):
    group = Group.objects.get(name=role)
    granted = {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }
    assert granted == set(ROLE_PERMISSIONS[role]), (
        "orders/roles.py and the migrated groups differ: write a migration that updates the group"
    )
