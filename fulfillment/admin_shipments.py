"""Admin of shipments: the list with the «statuses disagree» report, a shipment with its carrier
statuses, «send to CDEK again», the courier's handover page, the CDEK status mapping, and the
shipments on the order page."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from automation.admin import StoreFilter, StoreScopedAdminMixin
from integrations.errors import PermanentError
from orders.admin import OrderAdmin, register_order_inline
from orders.models import Order

from .forms import HandToDeliveryForm
from .shipment_models import CarrierStatusMapping, Shipment, ShipmentEvent
from .shipments import disagreements, shipment_retry

STATUS_COLOURS = {
    "new": "#777",
    "sending": "#6a4fb0",
    "registering": "#6a4fb0",
    "in_transit": "#2a6db0",
    "delivered": "#3d7a2a",
    "not_delivered": "#b05a2a",
    "error": "#ba2121",
    "cancelled": "#999",
}


def shipment_status_badge(shipment: Shipment) -> str:
    return format_html(
        '<span class="status-badge" style="background:{}">{}</span>',
        STATUS_COLOURS.get(shipment.status, "#777"),
        shipment.get_status_display(),
    )


def carrier_status_text(shipment: Shipment) -> str:
    if not shipment.carrier_status:
        return "—"
    when = timezone.localtime(shipment.carrier_status_at).strftime("%d.%m %H:%M")
    return f"{shipment.carrier_status_name or shipment.carrier_status} ({when})"


class DisagreementFilter(admin.SimpleListFilter):
    """The team lead's report: the carrier says one thing, the order another, for over an hour."""

    title = _("carrier and order")
    parameter_name = "disagree"

    def lookups(self, request, model_admin):
        return [("1h", _("Statuses disagree for over an hour"))]

    def queryset(self, request, queryset):
        if self.value() == "1h":
            return queryset.filter(pk__in=disagreements(older_than=timedelta(hours=1)).values("pk"))
        return queryset


class ShipmentEventInline(admin.TabularInline):
    model = ShipmentEvent
    fields = ("happened_at", "code", "name", "city", "outcome", "received_at")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Shipment)
class ShipmentAdmin(StoreScopedAdminMixin, admin.ModelAdmin):
    list_display = (
        "kind",
        "order_link",
        "store",
        "status_display",
        "cdek_number",
        "carrier_display",
        "order_status",
        "checked_at",
    )
    list_filter = ("kind", "status", DisagreementFilter, StoreFilter)
    search_fields = ("order__number", "cdek_number", "cdek_uuid")
    list_select_related = ("order", "store")
    list_per_page = 50
    date_hierarchy = "created_at"
    inlines = [ShipmentEventInline]
    actions = ["retry"]
    fields = (
        ("order_link", "store", "kind", "status_display"),
        ("address", "pickup_point_code", "cash_on_delivery"),
        ("window_start", "window_end", "courier_name", "courier_phone", "handover_display"),
        ("tariff_code", "cdek_uuid", "cdek_number", "attempts"),
        ("carrier_display", "expected_display", "checked_at"),
        "error",
        ("created_by", "created_at", "updated_at"),
    )
    readonly_fields = tuple(
        name for row in fields for name in (row if isinstance(row, tuple) else (row,))
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("fulfillment.retry_shipment")

    @admin.action(description=_("Send to CDEK again"), permissions=["retry"])
    def retry(self, request, queryset):
        sent = 0
        for shipment in queryset.filter(status=Shipment.Status.ERROR, kind=Shipment.Kind.CDEK):
            try:
                shipment_retry(shipment_id=shipment.pk, actor=request.user)
            except PermanentError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                continue
            sent += 1
        self.message_user(
            request, gettext("Sent to CDEK again: %(count)s.") % {"count": sent}, messages.INFO
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/handover/",
                self.admin_site.admin_view(self.handover_view),
                name="fulfillment_shipment_handover",
            ),
            *super().get_urls(),
        ]

    def handover_view(self, request, object_id):
        """«Акт передачи заказа курьеру»: what the courier signs for. Other stores: 404."""
        shipment = self.get_object(request, unquote(object_id))
        if shipment is None:
            raise Http404(gettext("Not found."))
        if not self.has_view_permission(request, shipment):
            raise PermissionDenied
        order = Order.objects.select_related("contact", "company", "store").get(
            pk=shipment.order_id
        )
        return TemplateResponse(
            request,
            "fulfillment/courier_handover_print.html",
            {
                "shipment": shipment,
                "order": order,
                "items": order.items.all(),
                "printed_at": timezone.localtime(),
            },
        )

    @admin.display(description=_("order"), ordering="order__number")
    def order_link(self, obj: Shipment) -> str:
        url = reverse("admin:orders_order_change", args=[obj.order_id])
        return format_html('<a href="{}">№{}</a>', url, obj.order.number)

    @admin.display(description=_("order status"))
    def order_status(self, obj: Shipment) -> str:
        return obj.order.get_status_display()

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, obj: Shipment) -> str:
        return shipment_status_badge(obj)

    @admin.display(description=_("carrier status"), ordering="carrier_status_at")
    def carrier_display(self, obj: Shipment) -> str:
        return carrier_status_text(obj)

    @admin.display(description=_("order status expected"))
    def expected_display(self, obj: Shipment) -> str:
        if not obj.expected_order_status:
            return "—"
        return str(Order.Status(obj.expected_order_status).label)

    @admin.display(description=_("handover document"))
    def handover_display(self, obj: Shipment) -> str:
        if obj.kind != Shipment.Kind.COURIER:
            return "—"
        url = reverse("admin:fulfillment_shipment_handover", args=[obj.pk])
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>', url, gettext("Print")
        )


class ShipmentInline(admin.TabularInline):
    """The order's shipments on its page: how it travels and what the carrier last said."""

    model = Shipment
    fk_name = "order"
    fields = ("shipment_link", "status_display", "cdek_number", "carrier_display", "error")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = _("Delivery")
    ordering = ("-created_at", "-pk")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("shipment"))
    def shipment_link(self, obj: Shipment) -> str:
        url = reverse("admin:fulfillment_shipment_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.get_kind_display())

    @admin.display(description=_("status"))
    def status_display(self, obj: Shipment) -> str:
        return shipment_status_badge(obj)

    @admin.display(description=_("carrier status"))
    def carrier_display(self, obj: Shipment) -> str:
        return carrier_status_text(obj)


register_order_inline(ShipmentInline)
# The courier's time window is asked when the order is handed to delivery.
OrderAdmin.fsm_forms = {**OrderAdmin.fsm_forms, "hand_to_delivery": HandToDeliveryForm}


@admin.register(CarrierStatusMapping)
class CarrierStatusMappingAdmin(admin.ModelAdmin):
    """Which CDEK status moves the order where; codes not listed are only recorded."""

    list_display = ("code", "description", "action")
    list_editable = ("action",)
    search_fields = ("code", "description")
    list_filter = ("action",)
