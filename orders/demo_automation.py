"""The demo's automation: the time limits, message templates and trigger chains of the
articles in shared/domain (payment reminder and auto-cancel, pickup-point reminders with a call,
quality-control call, stage checklists, escalation of late new orders). Idempotent."""

from __future__ import annotations

from datetime import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Q

from automation.deadlines import set_stage_deadline
from automation.models import StageLimit, Trigger, TriggerAction
from automation.models.limits import TimeKind
from catalog.models import Store
from contacts.models import MessageTemplate
from deals.models import Deal

from .default_templates import DEFAULT_TEMPLATES
from .models import Order, Status
from .roles import MANAGER

TEMPLATES = {
    **DEFAULT_TEMPLATES,
    "payment_reminder": (
        "Напоминание об оплате",
        "Напоминаем: заказ №{order_number} на {total} ₽ ждёт оплаты. {payment_link}",
    ),
    "ready_for_pickup": (
        "Заказ ждёт в пункте выдачи",
        "Заказ №{order_number} ждёт вас: {pickup_point}. Срок хранения — 5 дней.",
    ),
    "pickup_reminder": (
        "Напоминание: заберите заказ",
        "Напоминаем: заказ №{order_number} ждёт вас в пункте выдачи {pickup_point}.",
    ),
    "pickup_last_call": (
        "Последнее напоминание о заказе",
        "Заказ №{order_number} скоро вернётся на склад. Заберите его: {pickup_point}.",
    ),
    "handed_to_delivery": (
        "Заказ передан в доставку",
        "Заказ №{order_number} передан в доставку. Трек-номер: {tracking_number}",
    ),
}

#: (what, state, minutes, counted in)
LIMITS = [
    ("deals.deal", Deal.Stage.NEW, 15, TimeKind.WORKING),
    ("deals.deal", Deal.Stage.IN_PROGRESS, 8 * 60, TimeKind.WORKING),
    ("orders.order", Status.NEW, 15, TimeKind.WORKING),
    ("orders.order", Status.CONFIRMED, 2 * 60, TimeKind.WORKING),
    ("orders.order", Status.PAID, 2 * 60, TimeKind.WORKING),
    ("orders.order", Status.ASSEMBLING, 4 * 60, TimeKind.WORKING),
    ("orders.order", Status.ASSEMBLED, 8 * 60, TimeKind.WORKING),
    ("orders.order", Status.RETURN_REQUESTED, 2 * 24 * 60, TimeKind.CALENDAR),
]

A = TriggerAction.Kind
DAY = 24 * 60


def _chains() -> list[tuple[str, str, str, int, list[dict]]]:
    manager_group = Group.objects.get(name=MANAGER)
    # The warehouse's assembly checklist is the task of the assembly document
    # (fulfillment.assembly), no trigger here.
    return [
        ("Напоминание об оплате через 2 часа", Status.AWAITING_PAYMENT, Trigger.Event.STAYS, 120,
         [{"kind": A.MESSAGE, "template": "payment_reminder"}]),
        ("Отмена неоплаченного заказа через 3 дня", Status.AWAITING_PAYMENT, Trigger.Event.STAYS,
         3 * DAY, [{"kind": A.TRANSITION, "transition": "cancel", "reason_code": "not_paid"}]),
        ("Доставка: чек-лист менеджера", Status.ASSEMBLED, Trigger.Event.ENTERS, 0,
         [{"kind": A.TASK, "text": "Передать заказ №{order_number} в доставку", "due_minutes": 240,
           "checklist": "Проверить способ доставки и адрес\nОформить документ передачи\n"
                        "Сообщить клиенту о передаче"}]),
        ("Сообщение о передаче в доставку", Status.HANDED_TO_DELIVERY, Trigger.Event.ENTERS, 0,
         [{"kind": A.MESSAGE, "template": "handed_to_delivery"}]),
        ("Заказ ждёт в пункте выдачи", Status.AWAITING_PICKUP, Trigger.Event.ENTERS, 0,
         [{"kind": A.MESSAGE, "template": "ready_for_pickup"}]),
        ("Напоминание о пункте выдачи через 2 дня", Status.AWAITING_PICKUP, Trigger.Event.STAYS,
         2 * DAY, [{"kind": A.MESSAGE, "template": "pickup_reminder"}]),
        ("Последнее напоминание и звонок через 3 дня", Status.AWAITING_PICKUP,
         Trigger.Event.STAYS, 3 * DAY,
         [{"kind": A.MESSAGE, "template": "pickup_last_call"},
          {"kind": A.TASK, "text": "Позвонить: заказ №{order_number} не забран из пункта выдачи",
           "due_minutes": 120,
           "checklist": "Дозвониться до клиента\nПродлить хранение или оформить отказ"}]),
        ("Звонок контроля качества после выдачи", Status.ISSUED, Trigger.Event.ENTERS, 0,
         [{"kind": A.TASK, "text": "Звонок контроля качества: заказ №{order_number}",
           "due_minutes": DAY, "checklist": "Всё ли пришло целым\nДовольны ли покупкой\n"
                                            "Записать отзыв в комментарий"}]),
        ("Просроченный новый заказ: руководителю и другому менеджеру", Status.NEW,
         Trigger.Event.OVERDUE, 0,
         [{"kind": A.ALERT, "text": "Новый заказ №{order_number} не взят в работу вовремя"},
          {"kind": A.REASSIGN, "assignee_group": manager_group}]),
    ]  # fmt: skip


def seed_automation() -> None:
    # The team lead's alerts also go to Telegram: in the demo, to the sandbox's outbox.
    get_user_model().objects.filter(username="lead", telegram_chat_id="").update(
        telegram_chat_id="700001"
    )
    Store.objects.filter(code="dom").update(
        work_start=time(9, 0), work_end=time(21, 0), work_days="0123456"
    )
    for code, (name, text) in TEMPLATES.items():
        MessageTemplate.objects.get_or_create(code=code, defaults={"name": name, "text": text})
    for subject, state, minutes, kind in LIMITS:
        StageLimit.objects.get_or_create(
            subject=subject, state=state, defaults={"minutes": minutes, "time_kind": kind}
        )
    templates = {t.code: t for t in MessageTemplate.objects.all()}
    for position, (name, state, event, delay, actions) in enumerate(_chains()):
        trigger, created = Trigger.objects.get_or_create(
            name=name,
            defaults={
                "subject": "orders.order",
                "state": state,
                "event": event,
                "delay_minutes": delay,
                "position": position,
            },
        )
        if not created:
            continue
        for i, fields in enumerate(actions):
            fields = dict(fields)
            if "template" in fields:
                fields["template"] = templates[fields["template"]]
            TriggerAction.objects.create(trigger=trigger, position=i, **fields)


def restamp_demo_deadlines() -> None:
    """Deadlines of the demo's open deals and orders, counted from their back-dated stage
    entry, so that the first sweep finds the late ones."""
    for model in (Deal, Order):
        open_rows = model.objects.filter(external_id__startswith="demo-").exclude(
            Q(**{f"{model.STATE_FIELD}__in": ["won", "lost", "issued", "returned", "cancelled"]})
        )
        for obj in open_rows.select_related("store"):
            set_stage_deadline(obj, entered_at=obj.stage_changed_at)
            model.objects.filter(pk=obj.pk).update(
                stage_deadline_at=obj.stage_deadline_at,
                stage_warn_at=obj.stage_warn_at,
                overdue_since=None,
                warned_at=None,
            )
