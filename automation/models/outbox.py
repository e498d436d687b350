"""Tasks that could not be published because the broker was down (`orders_office.tasks`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnsentTask(models.Model):
    """A task publish that failed, kept until `automation.outbox.unsent_tasks_resend` sends it.

    Written after the caller's transaction has committed (tasks are enqueued on commit), so
    the work it stands for is already in the database: losing the task would leave that work
    undone until some sweep noticed.
    """

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("positional arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    #: Not before this (the publish's countdown or eta).
    due_at = models.DateTimeField(_("due at"))
    #: Dropped unsent after this (the publish's expires: a minute job that is stale by then).
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("unsent background task")
        verbose_name_plural = _("unsent background tasks")
        indexes = [models.Index(fields=["due_at"], name="automation_unsent_due_idx")]

    def __str__(self) -> str:
        return f"{self.task} @ {self.created_at:%Y-%m-%d %H:%M:%S}"
