from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Task(models.Model):
    """Something a person must do about a deal or an order, by a time: a call back, a
    quality-control call, the checklist of a stage."""

    title = models.CharField(_("task"), max_length=300)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    remind_at = models.DateTimeField(
        _("remind at"),
        null=True,
        blank=True,
        help_text=_("«Перезвонить в …»: a notification then."),
    )
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True, editable=False)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, editable=False
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    subject = GenericForeignKey("content_type", "object_id")
    firing = models.OneToOneField(
        "automation.TriggerFiring",
        verbose_name=_("created by trigger"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="task",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["done_at", "due_at", "pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="task_subject"),
            models.Index(
                fields=["remind_at"],
                condition=models.Q(reminded_at__isnull=True, done_at__isnull=True),
                name="task_remind_open",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        # «Перезвонить в …» moved to a new time: remind again then.
        if self.pk and self.reminded_at is not None:
            previous = Task.objects.filter(pk=self.pk).values_list("remind_at", flat=True).first()
            if previous != self.remind_at:
                self.reminded_at = None
                if kwargs.get("update_fields") is not None:
                    kwargs["update_fields"] = {*kwargs["update_fields"], "reminded_at"}
        super().save(*args, **kwargs)

    @property
    def is_overdue(self) -> bool:
        return self.done_at is None and self.due_at is not None and self.due_at < timezone.now()


class ChecklistItem(models.Model):
    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="checklist"
    )
    text = models.CharField(_("step"), max_length=300)
    done = models.BooleanField(_("done"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("checklist step")
        verbose_name_plural = _("checklist")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text
