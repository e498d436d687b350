"""State of the 1C exchange: a log of every import and export, and what 1C told us about an
order. Imported by fulfillment.models so that Django sees them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models import Order


class ExchangeLog(models.Model):
    """One step of an exchange session: a file applied, an export given, 1C's confirmation."""

    class Kind(models.TextChoices):
        CATALOG_IMPORT = "catalog_import", _("Catalogue import")
        SALE_QUERY = "sale_query", _("Orders given to 1C")
        SALE_FILE = "sale_file", _("Order changes from 1C")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCESS = "success", _("Done")
        FAILURE = "failure", _("Failed")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    session = models.CharField(_("session"), max_length=64, db_index=True)
    filename = models.CharField(_("file"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RUNNING
    )
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    warnings = models.TextField(_("warnings"), blank=True)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    #: Orders given to 1C: everything changed before this moment (and since the previous
    #: confirmed cursor) was in the export.
    cursor = models.DateTimeField(_("changes up to"), null=True, blank=True)
    #: When 1C answered mode=success for this export; the next export starts from `cursor`.
    confirmed_at = models.DateTimeField(_("confirmed by 1C"), null=True, blank=True)

    class Meta:
        verbose_name = _("1C exchange log entry")
        verbose_name_plural = _("1C exchange log")
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(
                fields=["-cursor"],
                condition=models.Q(kind="sale_query", confirmed_at__isnull=False),
                name="exchangelog_confirmed_cursor",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename} ({self.get_status_display()})"

    @property
    def duration(self):
        return self.finished_at - self.started_at if self.finished_at else None


class OnecOrder(models.Model):
    """The order as 1C last described it (sale `mode=file`): its own number and flags."""

    order = models.OneToOneField(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="onec"
    )
    number = models.CharField(_("number in 1C"), max_length=64, blank=True)
    date = models.CharField(_("date in 1C"), max_length=32, blank=True)
    posted = models.BooleanField(_("posted in 1C"), default=False)
    deletion_mark = models.BooleanField(_("marked for deletion in 1C"), default=False)
    status = models.CharField(_("status in 1C"), max_length=200, blank=True)
    paid_on = models.CharField(_("paid in 1C on"), max_length=32, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("order in 1C")
        verbose_name_plural = _("orders in 1C")

    def __str__(self) -> str:
        return self.number or str(self.order)
