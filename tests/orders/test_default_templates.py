"""A fresh install can text a payment link: the template the code sends by its code exists
after migrate, and what the team lead changed in it is never overwritten."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.management import call_command

from contacts.models import MessageTemplate
from orders.default_templates import DEFAULT_TEMPLATES, create_missing_default_templates
from orders.payments import PAYMENT_LINK_TEMPLATE

pytestmark = pytest.mark.django_db


def test_the_payment_link_template_exists_after_migrate_with_its_placeholder():
    template = MessageTemplate.objects.get(code=PAYMENT_LINK_TEMPLATE)

    assert template.is_active
    assert "{payment_link}" in template.text
    assert template.text == DEFAULT_TEMPLATES[PAYMENT_LINK_TEMPLATE][1]
    template.full_clean()  # its placeholders are the ones an order message knows


def test_a_deleted_default_comes_back_with_the_next_migrate():
    MessageTemplate.objects.filter(code=PAYMENT_LINK_TEMPLATE).delete()

    call_command("migrate", verbosity=0)

    assert MessageTemplate.objects.filter(code=PAYMENT_LINK_TEMPLATE).count() == 1


def test_an_edited_or_switched_off_template_is_left_as_the_team_lead_made_it():
    MessageTemplate.objects.filter(code=PAYMENT_LINK_TEMPLATE).update(
        text="Оплата: {payment_link}", is_active=False
    )

    create_missing_default_templates(apps=apps, using="default")

    template = MessageTemplate.objects.get(code=PAYMENT_LINK_TEMPLATE)
    assert (template.text, template.is_active) == ("Оплата: {payment_link}", False)


@pytest.mark.django_db(transaction=True)
def test_the_default_survives_a_flush_between_transactional_tests():
    call_command("flush", interactive=False, verbosity=0)

    assert MessageTemplate.objects.filter(code=PAYMENT_LINK_TEMPLATE).exists()
