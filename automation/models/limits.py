from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

#: The staged models automation watches. Data, not imports: automation sits below them.
SUBJECTS = [("deals.deal", _("deal")), ("orders.order", _("order"))]


class TimeKind(models.TextChoices):
    WORKING = "working", _("working time of the store")
    CALENDAR = "calendar", _("calendar time")


def subject_states(subject: str) -> list[tuple[str, str]]:
    """The (value, label) states of a staged model named "app.model"."""
    from django.apps import apps

    model = apps.get_model(subject)
    return list(model._meta.get_field(model.STATE_FIELD).flatchoices)


class StageLimit(models.Model):
    """How long a deal or an order may stay in a stage before it is «Просрочен»."""

    subject = models.CharField(_("what"), max_length=32, choices=SUBJECTS)
    state = models.CharField(_("stage / status"), max_length=32)
    minutes = models.PositiveIntegerField(_("limit, minutes"), validators=[MinValueValidator(1)])
    time_kind = models.CharField(
        _("counted in"), max_length=16, choices=TimeKind.choices, default=TimeKind.WORKING
    )
    warn_at_percent = models.PositiveSmallIntegerField(
        _("warning threshold, percent of the limit"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_(
            "«Скоро просрочка» is sent to the manager when this share of the limit is used."
        ),
    )
    is_active = models.BooleanField(_("on"), default=True)

    class Meta:
        verbose_name = _("stage time limit")
        verbose_name_plural = _("stage time limits")
        ordering = ["subject", "state"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "state"], name="stagelimit_unique_state")
        ]

    def __str__(self) -> str:
        return f"{self.get_subject_display()} «{self.state_label}»: {self.minutes} min"

    @property
    def state_label(self) -> str:
        return str(dict(subject_states(self.subject)).get(self.state, self.state))

    def clean(self) -> None:
        if self.subject and self.state not in dict(subject_states(self.subject)):
            raise ValidationError({"state": _("No such stage.")})
