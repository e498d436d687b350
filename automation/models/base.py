from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin


class Via(models.TextChoices):
    """Through what a change arrived: the transition log shows it."""

    ADMIN = "admin", _("back office")
    API = "api", _("API")
    WEBHOOK = "webhook", _("webhook")
    BEAT = "beat", _("schedule")
    SYSTEM = "system", _("system")


class StagedModel(ConcurrentTransitionMixin, models.Model):
    """Base of everything that moves through stages: deals and orders.

    Subclasses declare one protected FSMField and name it in STATE_FIELD, and a transition log
    model with a ForeignKey to them under `related_name="transitions"`. Automation works with
    any such model: `stage_changed_at` says since when it sits in its stage, `version` is bumped
    on every change so that a form opened before someone else's edit cannot overwrite it.
    """

    STATE_FIELD = "status"

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    stage_changed_at = models.DateTimeField(
        _("in this stage since"), default=timezone.now, editable=False
    )
    # Stage time limit (automation.deadlines): stored on entry so the sweep is an index scan.
    # Subclasses index stage_deadline_at and stage_warn_at on open rows only.
    stage_deadline_at = models.DateTimeField(
        _("due in this stage by"), null=True, blank=True, editable=False
    )
    stage_warn_at = models.DateTimeField(_("warning at"), null=True, blank=True, editable=False)
    overdue_since = models.DateTimeField(_("overdue since"), null=True, blank=True, editable=False)
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None) -> None:
        # The protected state field refuses even an assignment of its own value; only
        # transitions change it, so there is nothing to clean there.
        super().clean_fields(exclude={*(exclude or ()), self.STATE_FIELD})

    @property
    def is_overdue(self) -> bool:
        return self.overdue_since is not None

    @property
    def state(self) -> str:
        return getattr(self, self.STATE_FIELD)

    @property
    def state_label(self) -> str:
        return getattr(self, f"get_{self.STATE_FIELD}_display")()


class TransitionLog(models.Model):
    """One state change: who, when, through what, from where to where, and why."""

    name = models.CharField(_("action"), max_length=64)
    source = models.CharField(_("from"), max_length=32)
    target = models.CharField(_("to"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    via = models.CharField(_("via"), max_length=16, choices=Via.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.source} → {self.target} ({self.name})"


class Heartbeat(models.Model):
    """The last time a periodic job ran: proof that the worker and beat are alive."""

    name = models.CharField(_("job"), max_length=64, unique=True)
    beat_at = models.DateTimeField(_("last run"))
    hostname = models.CharField(_("worker"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("background job heartbeat")
        verbose_name_plural = _("background job heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
