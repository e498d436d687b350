"""Message templates the code sends by their code, so that a fresh install can text a payment
link before the team lead has written a word. Created when missing after every `migrate` (and
every test flush); a template that exists, edited or switched off, is never touched."""

from __future__ import annotations

from django.apps import apps as global_apps

from .payments import PAYMENT_LINK_TEMPLATE

#: code: (name, text), in Russian: the customer reads them.
DEFAULT_TEMPLATES = {
    PAYMENT_LINK_TEMPLATE: (
        "Ссылка на оплату",
        "{customer_name}, заказ №{order_number} в магазине «{store_name}» на {total} ₽. "
        "Оплатить: {payment_link}",
    ),
}


def create_missing_default_templates(*, using, apps=global_apps, **kwargs) -> None:
    """`post_migrate` receiver: the models of the migrated state (`migrate` gives them; `flush`,
    after a transactional test, does not), on the database migrated or flushed."""
    try:
        template_model = apps.get_model("contacts", "MessageTemplate")
    except LookupError:  # migrated to a state before the contacts app
        return
    existing = set(
        template_model.objects.using(using)
        .filter(code__in=DEFAULT_TEMPLATES)
        .values_list("code", flat=True)
    )
    template_model.objects.using(using).bulk_create(
        template_model(code=code, name=name, text=text)
        for code, (name, text) in DEFAULT_TEMPLATES.items()
        if code not in existing
    )
