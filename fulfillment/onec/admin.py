"""Admin of the 1C exchange: its log (read-only, for admins and team leads) and what 1C said
about an order, on the order page. Imported by fulfillment.admin."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from orders.admin import register_order_inline

from .models import ExchangeLog, OnecOrder


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ExchangeLog)
class ExchangeLogAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("started_at", "kind", "filename", "status", "counts_display", "duration")
    list_filter = ("kind", "status")
    search_fields = ("filename", "session", "error")
    date_hierarchy = "started_at"
    fields = (
        "kind",
        "status",
        "filename",
        "session",
        "started_at",
        "finished_at",
        "counts",
        "warnings",
        "error",
        "cursor",
        "confirmed_at",
    )
    readonly_fields = fields

    @admin.display(description=_("counts"))
    def counts_display(self, obj: ExchangeLog) -> str:
        return ", ".join(f"{key}: {value}" for key, value in sorted(obj.counts.items()))

    @admin.display(description=_("duration"))
    def duration(self, obj: ExchangeLog) -> str:
        took = obj.duration
        return "" if took is None else f"{took.total_seconds():.1f} s"


class OnecOrderInline(ReadOnlyMixin, admin.StackedInline):
    model = OnecOrder
    verbose_name = verbose_name_plural = _("in 1C")
    fields = (("number", "date"), ("posted", "deletion_mark"), ("status", "paid_on"), "updated_at")
    readonly_fields = (
        "number",
        "date",
        "posted",
        "deletion_mark",
        "status",
        "paid_on",
        "updated_at",
    )
    can_delete = False
    extra = 0


register_order_inline(OnecOrderInline)
