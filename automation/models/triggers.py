from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.models import Store
from contacts.models import CustomerSegment, check_placeholders

from .limits import SUBJECTS, subject_states


class Trigger(models.Model):
    """When something happens to a deal or an order that matches the conditions, run the
    actions: «3 days in Ожидает оплаты → cancel», «enters Выдан → quality call task»."""

    class Event(models.TextChoices):
        ENTERS = "enters", _("enters the stage")
        STAYS = "stays", _("is still in the stage after a delay")
        OVERDUE = "overdue", _("becomes overdue")

    name = models.CharField(_("name"), max_length=200)
    subject = models.CharField(_("what"), max_length=32, choices=SUBJECTS)
    state = models.CharField(_("stage / status"), max_length=32)
    event = models.CharField(_("when"), max_length=16, choices=Event.choices)
    delay_minutes = models.PositiveIntegerField(
        _("delay, minutes"),
        default=0,
        help_text=_(
            "For «still in the stage»: how long after entering it. "
            "Dropped if the stage changes first."
        ),
    )
    # Conditions; empty means any.
    stores = models.ManyToManyField(Store, verbose_name=_("stores"), blank=True)
    channel = models.CharField(_("channel"), max_length=16, blank=True)
    delivery_method = models.CharField(_("delivery"), max_length=16, blank=True)
    payment_method = models.CharField(_("payment"), max_length=20, blank=True)
    customer_segment = models.CharField(
        _("customer segment"),
        max_length=16,
        choices=CustomerSegment.choices,
        blank=True,
        help_text=_(
            "The segment of the deal's or order's contact (for a company: its contact person)."
        ),
    )
    is_active = models.BooleanField(_("on"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=100)

    class Meta:
        verbose_name = _("trigger")
        verbose_name_plural = _("triggers")
        ordering = ["subject", "state", "position", "pk"]
        indexes = [models.Index(fields=["subject", "state", "event"], name="trigger_lookup")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.subject and self.state not in dict(subject_states(self.subject)):
            raise ValidationError({"state": _("No such stage.")})
        if self.event == self.Event.STAYS and not self.delay_minutes:
            raise ValidationError({"delay_minutes": _("Set the delay.")})
        from ..registry import condition_choices

        for name in ("channel", "delivery_method", "payment_method"):
            value, choices = getattr(self, name), condition_choices(name)
            if value and choices is not None and value not in dict(choices):
                raise ValidationError({name: _("Not a known value.")})

    def matches(self, obj) -> bool:
        """The conditions, checked against a deal or an order (and its deal for the channel)."""
        if self.channel and _channel_of(obj) != self.channel:
            return False
        if self.delivery_method and obj.delivery_method != self.delivery_method:
            return False
        if self.payment_method and obj.payment_method != self.payment_method:
            return False
        if self.customer_segment and _segment_of(obj) != self.customer_segment:
            return False
        store_ids = {s.pk for s in self.stores.all()}
        return not store_ids or obj.store_id in store_ids


def _segment_of(obj) -> str:
    """The segment of the customer's contact; a deal or order without one matches no segment."""
    contact = obj.contact if getattr(obj, "contact_id", None) else None
    return contact.segment if contact is not None else ""


def _channel_of(obj) -> str:
    channel = getattr(obj, "channel", None)
    if channel is None and getattr(obj, "deal", None) is not None:
        channel = obj.deal.channel
    return channel or ""


class TriggerAction(models.Model):
    class Kind(models.TextChoices):
        MESSAGE = "message", _("message to the customer")
        TASK = "task", _("task for a manager")
        REASSIGN = "reassign", _("change of responsible")
        ALERT = "alert", _("alert to the team lead")
        TRANSITION = "transition", _("move to another stage")

    trigger = models.ForeignKey(
        Trigger, verbose_name=_("trigger"), on_delete=models.CASCADE, related_name="actions"
    )
    kind = models.CharField(_("action"), max_length=16, choices=Kind.choices)
    template = models.ForeignKey(
        "contacts.MessageTemplate",
        verbose_name=_("message template"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    text = models.CharField(
        _("task title / alert text"),
        max_length=300,
        blank=True,
        help_text=_("May use the template placeholders, e.g. {order_number}."),
    )
    checklist = models.TextField(_("checklist"), blank=True, help_text=_("One step per line."))
    due_minutes = models.PositiveIntegerField(_("task due in, minutes"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Task or new responsible; empty: the current responsible manager."),
    )
    assignee_group = models.ForeignKey(
        Group,
        verbose_name=_("to group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("The least busy active member of the group."),
    )
    transition = models.CharField(_("transition"), max_length=64, blank=True)
    reason_code = models.CharField(
        _("reason code"), max_length=32, blank=True, help_text=_("For cancellation: e.g. not_paid.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.template or self.text or self.transition}"

    def clean(self) -> None:
        if self.kind == self.Kind.MESSAGE and self.template_id is None:
            raise ValidationError({"template": _("Choose the message template.")})
        if self.kind in (self.Kind.TASK, self.Kind.ALERT) and not self.text:
            raise ValidationError({"text": _("Write the task title or the alert text.")})
        if self.kind == self.Kind.REASSIGN and not (self.assignee_id or self.assignee_group_id):
            raise ValidationError({"assignee": _("Choose a user or a group.")})
        if self.kind in (self.Kind.TASK, self.Kind.ALERT):
            try:
                check_placeholders(self.text)
            except ValidationError as exc:
                raise ValidationError({"text": exc.messages}) from exc
        if self.kind == self.Kind.TRANSITION:
            self._clean_transition()

    def _clean_transition(self) -> None:
        if not self.transition:
            raise ValidationError({"transition": _("Name the transition.")})
        # On the trigger's add page the trigger is not saved yet, but the inline form has set it.
        trigger = self._state.fields_cache.get("trigger")
        subject = trigger.subject if trigger is not None else None
        if subject is None and self.trigger_id:
            subject = Trigger.objects.values_list("subject", flat=True).get(pk=self.trigger_id)
        if subject is None:
            return
        names = transition_names(subject)
        if self.transition not in names:
            raise ValidationError(
                {
                    "transition": _("No such transition. Possible: %(names)s.")
                    % {"names": ", ".join(sorted(names))}
                }
            )
        if self.transition in REASON_TRANSITIONS:
            from django.apps import apps

            reasons = apps.get_model("deals", "RefusalReason").objects.filter(is_active=True)
            if not reasons.filter(code=self.reason_code).exists():
                raise ValidationError(
                    {
                        "reason_code": _(
                            "No active refusal reason with this code. Codes: %(codes)s."
                        )
                        % {"codes": ", ".join(reasons.values_list("code", flat=True))}
                    }
                )


#: Transitions that need a refusal reason (deals.RefusalReason, by its code).
REASON_TRANSITIONS = frozenset({"cancel", "lose"})


def transition_names(subject: str) -> set[str]:
    """The transitions of a staged model named "app.model"."""
    from django.apps import apps

    model = apps.get_model(subject)
    field = model._meta.get_field(model.STATE_FIELD)
    return {t.name for t in field.get_all_transitions(model)}


class TriggerFiring(models.Model):
    """One action of one trigger for one stay of one object in a stage: scheduled, then done,
    skipped (the stage changed first) or failed. Unique per stay, so it never runs twice."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        SKIPPED = "skipped", _("skipped")
        FAILED = "failed", _("failed")

    trigger = models.ForeignKey(Trigger, verbose_name=_("trigger"), on_delete=models.CASCADE)
    action = models.ForeignKey(TriggerAction, verbose_name=_("action"), on_delete=models.CASCADE)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    state = models.CharField(_("stage / status"), max_length=32)
    stage_entered_at = models.DateTimeField(_("stage entered"))
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SCHEDULED
    )
    result = models.CharField(_("result"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("scheduled at"), auto_now_add=True)
    fired_at = models.DateTimeField(_("fired at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("trigger firing")
        verbose_name_plural = _("trigger firings")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "content_type", "object_id", "stage_entered_at"],
                name="firing_once_per_stay",
            )
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(status="scheduled"),
                name="firing_due_scheduled",
            ),
            models.Index(fields=["content_type", "object_id"], name="firing_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.trigger} → {self.action} ({self.get_status_display()})"
