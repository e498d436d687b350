from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _

from automation.admin import (
    OverdueFilter,
    StoreFilter,
    StoreScopedAdminMixin,
    TransitionAdminMixin,
    TransitionHistoryInline,
    VersionedModelForm,
    overdue_badge,
)
from automation.admin_models import FiringInline, TaskInline
from contacts.admin import PhoneSearchMixin
from deals.filters import ResponsibleFilter
from deals.forms import ItemLineForm

from .models import ZERO, Order, OrderItem, OrderTransition
from .services import ORDER_TRANSITION_SERVICES, order_recalculate_totals


class OrderItemForm(ItemLineForm):
    class Meta:
        model = OrderItem
        fields = ("product", "price", "quantity", "discount")

    def clean(self):
        cleaned = super().clean()
        product = cleaned.get("product")
        if product and self.instance.product_id != product.pk:
            # The line's snapshot follows the product it now sells.
            self.instance.sku, self.instance.name = product.sku, product.name
        return cleaned


class OrderItemFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors) or not self.instance.is_editable:
            return
        live = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not live:
            raise ValidationError(_("An order needs at least one item."))
        items_total = sum((form.instance.total for form in live), ZERO)
        discount = self.instance.discount_amount or ZERO
        if discount > items_total:
            raise ValidationError(
                _("The order discount (%(discount)s) exceeds the items total (%(total)s).")
                % {"discount": discount, "total": items_total}
            )


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    form = OrderItemForm
    formset = OrderItemFormSet
    fields = ("product", "sku", "price", "quantity", "discount", "line_total")
    readonly_fields = ("sku", "line_total")
    autocomplete_fields = ("product",)
    extra = 0

    @admin.display(description=_("amount"))
    def line_total(self, obj: OrderItem) -> Decimal | str:
        return obj.total if obj.pk else "—"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product")

    def has_add_permission(self, request, obj=None) -> bool:
        return bool(obj and obj.is_editable) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return bool(obj and obj.is_editable) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return bool(obj and obj.is_editable) and super().has_delete_permission(request, obj)


class OrderTransitionInline(TransitionHistoryInline):
    model = OrderTransition


class OrderForm(VersionedModelForm):
    class Meta:
        model = Order
        fields = "__all__"


class StaleFilter(admin.SimpleListFilter):
    """Orders with no movement for a while: what a team lead looks at first."""

    title = _("without movement")
    parameter_name = "stale"
    HOURS = {"24": 24, "72": 72, "168": 168}

    def lookups(self, request, model_admin):
        return [("24", _("over 24 hours")), ("72", _("over 3 days")), ("168", _("over a week"))]

    def queryset(self, request, queryset):
        hours = self.HOURS.get(self.value() or "")
        if hours is None:
            return queryset
        since = timezone.now() - timedelta(hours=hours)
        return queryset.filter(stage_changed_at__lt=since, closed_at__isnull=True)


STATUS_COLOURS = {
    "new": "#2f6fb0",
    "awaiting_payment": "#b07d2f",
    "confirmed": "#2f6fb0",
    "paid": "#2f8f4e",
    "assembling": "#6a4fb0",
    "assembled": "#6a4fb0",
    "handed_to_delivery": "#1f8a8a",
    "awaiting_pickup": "#1f8a8a",
    "issued": "#3d7a2a",
    "returning": "#b04f2f",
    "return_requested": "#b04f2f",
    "returned": "#777",
    "cancelled": "#999",
}


@admin.register(Order)
class OrderAdmin(StoreScopedAdminMixin, PhoneSearchMixin, TransitionAdminMixin, admin.ModelAdmin):
    form = OrderForm
    fsm_fields = ["status"]
    transition_services = ORDER_TRANSITION_SERVICES
    object_id_kwarg = "order_id"
    phone_search_field = "contact__phone"

    list_display = (
        "number",
        "customer_display",
        "total",
        "status_badge",
        "time_limit",
        "payment_status",
        "responsible",
        "store",
        "age",
    )
    list_display_links = ("number", "customer_display")
    list_filter = (
        "status",
        OverdueFilter,
        StoreFilter,
        ResponsibleFilter,
        ("deal__channel", admin.ChoicesFieldListFilter),
        "payment_status",
        "delivery_method",
        "payment_method",
        StaleFilter,
    )
    search_fields = (
        "number",
        "external_id",
        "contact__phone",
        "contact__full_name",
        "contact__email",
        "company__name",
        "company__inn",
    )
    list_select_related = ("contact", "company", "responsible", "store", "deal")
    autocomplete_fields = ("contact", "company")
    date_hierarchy = "created_at"
    list_per_page = 50
    inlines = [OrderItemInline, OrderTransitionInline, TaskInline, FiringInline]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("number", "status", "payment_status"),
                    ("time_limit", "stage_deadline_at"),
                    ("store", "deal_link", "channel"),
                    ("contact", "company"),
                    "responsible",
                    "version_seen",
                )
            },
        ),
        (
            _("Delivery and payment"),
            {
                "fields": (
                    "delivery_method",
                    "delivery_address",
                    ("pickup_point", "pickup_point_code"),
                    "payment_method",
                )
            },
        ),
        (
            _("Totals"),
            {"fields": (("items_total", "coupon", "discount_amount"), ("delivery_cost", "total"))},
        ),
        (_("Comments"), {"fields": ("comment", "external_id")}),
        (
            _("Cancellation"),
            {"fields": ("cancel_reason", "cancel_comment"), "classes": ("collapse",)},
        ),
        (
            _("Dates"),
            {"fields": (("created_at", "stage_changed_at"), ("paid_at", "issued_at", "closed_at"))},
        ),
    )
    #: Fields that follow the money and the goods: frozen once the order is paid or shipped.
    COMMERCIAL_FIELDS = (
        "contact",
        "company",
        "delivery_method",
        "delivery_address",
        "pickup_point",
        "pickup_point_code",
        "payment_method",
        "coupon",
        "discount_amount",
        "delivery_cost",
    )

    def has_add_permission(self, request) -> bool:
        # An order is always placed from a deal (DealAdmin's «Оформить заказ»).
        return False

    def get_readonly_fields(self, request, obj=None):
        fields = [
            "number",
            "payment_status",
            "store",
            "deal_link",
            "channel",
            "items_total",
            "total",
            "cancel_reason",
            "cancel_comment",
            "created_at",
            "stage_changed_at",
            "paid_at",
            "issued_at",
            "closed_at",
            "external_id",
            "time_limit",
            "stage_deadline_at",
            *super().get_readonly_fields(request, obj),
        ]
        if obj is not None and not obj.is_editable:
            fields += self.COMMERCIAL_FIELDS
        return fields

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        order_recalculate_totals(order=form.instance)

    @admin.display(description=_("deal"))
    def deal_link(self, obj: Order) -> str:
        from django.urls import reverse

        url = reverse("admin:deals_deal_change", args=[obj.deal_id])
        return format_html('<a href="{}">{}</a>', url, obj.deal.title)

    @admin.display(description=_("channel"))
    def channel(self, obj: Order) -> str:
        return obj.deal.get_channel_display()

    @admin.display(description=_("customer"), ordering="contact__full_name")
    def customer_display(self, obj: Order) -> str:
        if obj.company_id:
            return str(obj.company.name)
        if obj.contact_id:
            return " · ".join(filter(None, [obj.contact.full_name, obj.contact.phone]))
        return "—"

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: Order) -> str:
        return format_html(
            '<span class="status-badge" style="background:{}">{}</span>',
            STATUS_COLOURS.get(obj.status, "#777"),
            obj.get_status_display(),
        )

    @admin.display(description=_("time limit"), ordering="stage_deadline_at")
    def time_limit(self, obj: Order) -> str:
        return overdue_badge(obj) or "—"

    @admin.display(description=_("age"), ordering="created_at")
    def age(self, obj: Order) -> str:
        return timesince(obj.created_at, depth=1)
