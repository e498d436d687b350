from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext
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
from automation.exceptions import TransitionError
from automation.models import Via
from automation.paginator import EstimatedCountPaginator
from contacts.admin import CustomerSummaryMixin, PhoneSearchMixin
from deals.filters import ResponsibleFilter
from deals.forms import ItemLineForm
from integrations.errors import IntegrationError

from .history import event_label
from .models import ZERO, Order, OrderItem, OrderTransition, Payment, Refund, Status
from .payments import (
    INVOICE_PERMISSION,
    PAYMENT_EVENTS,
    SEND_LINK_PERMISSION,
    invoice_payment_possible,
    order_new_payment_link,
    order_record_invoice_payment,
    order_resend_payment_link,
)
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

    @admin.display(description=_("action"))
    def action(self, obj: OrderTransition) -> str:
        # Payments, shipments and returns write their steps into the same history.
        if obj.name in PAYMENT_EVENTS:
            return str(PAYMENT_EVENTS[obj.name])
        if label := event_label(obj.name):
            return label
        return super().action(obj)


class _MoneyInline(admin.TabularInline):
    """Read-only rows about the order's money: whoever may see the order may see them."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("orders.view_order")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class PaymentInline(_MoneyInline):
    model = Payment
    verbose_name_plural = _("Payments")
    fields = ("created_at", "amount", "status", "link", "sent", "paid_at", "problem")
    readonly_fields = fields
    ordering = ("-created_at", "-pk")

    @admin.display(description=_("payment link"))
    def link(self, obj: Payment) -> str:
        if not obj.confirmation_url:
            return "—"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            obj.confirmation_url,
            obj.provider_payment_id or gettext("open"),
        )

    @admin.display(description=_("sent"))
    def sent(self, obj: Payment) -> str:
        if obj.sent_at is None:
            return "—"
        text = f"{timezone.localtime(obj.sent_at):%d.%m %H:%M}, {obj.get_sent_via_display()}"
        if obj.resent_count:
            text += " " + gettext("(sent %(count)s more times)") % {"count": obj.resent_count}
        return text

    @admin.display(description=_("error"))
    def problem(self, obj: Payment) -> str:
        return obj.error or obj.cancellation_reason or "—"


class RefundInline(_MoneyInline):
    model = Refund
    verbose_name_plural = _("Refunds")
    fields = ("created_at", "amount", "status", "reason", "requested_by", "succeeded_at", "error")
    readonly_fields = fields
    ordering = ("-created_at", "-pk")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("requested_by")


@dataclass(frozen=True)
class PaymentAction:
    """A money button of the order page that is not a transition: a POST to its own URL."""

    name: str
    label: str
    permission: str
    help_text: str = ""


PAYMENT_ACTIONS = {
    "resend": PaymentAction(
        "resend",
        _("Send the payment link again"),
        SEND_LINK_PERMISSION,
        _("The same link, texted to the customer once more."),
    ),
    "new": PaymentAction(
        "new",
        _("New payment link"),
        SEND_LINK_PERMISSION,
        _("Cancels the current link and texts a new one for the order total."),
    ),
    "invoice-paid": PaymentAction(
        "invoice-paid",
        _("Invoice paid"),
        INVOICE_PERMISSION,
        _("The invoice payment is on the bank statement."),
    ),
}


def payment_actions_for(order: Order, user) -> list[PaymentAction]:
    """The money buttons that make sense for `order` now and that `user` may press."""
    names = []
    if order.status == Status.AWAITING_PAYMENT:
        live = order.live_payment
        if live is not None and live.amount == order.total:
            if live.status == Payment.Status.PENDING and live.confirmation_url:
                names.append("resend")
        else:
            names.append("new")
    if invoice_payment_possible(order):
        names.append("invoice-paid")
    return [
        PAYMENT_ACTIONS[name] for name in names if user.has_perm(PAYMENT_ACTIONS[name].permission)
    ]


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
class OrderAdmin(
    StoreScopedAdminMixin,
    PhoneSearchMixin,
    CustomerSummaryMixin,
    TransitionAdminMixin,
    admin.ModelAdmin,
):
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
        # Not a date_hierarchy: its year links come from a scan of every order (SELECT
        # DISTINCT over the table, ~300 ms at 1M orders); these periods cost no query.
        ("created_at", admin.DateFieldListFilter),
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
    list_per_page = 50
    # A million orders are not counted on every page (automation.paginator); nor is the
    # unfiltered total next to a filtered one («Show all» instead).
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    inlines = [
        OrderItemInline,
        PaymentInline,
        RefundInline,
        OrderTransitionInline,
        TaskInline,
        FiringInline,
    ]
    #: Inlines of apps above orders (fulfillment), shown before the history; see
    #: register_order_inline.
    extra_inlines: list[type[InlineModelAdmin]] = []

    def get_inlines(self, request, obj):
        inlines = list(super().get_inlines(request, obj))
        at = inlines.index(OrderTransitionInline)
        return [*inlines[:at], *self.extra_inlines, *inlines[at:]]

    change_form_template = "orders/admin/order_change_form.html"
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("number", "status", "payment_status"),
                    ("time_limit", "stage_deadline_at"),
                    ("store", "deal_link", "channel"),
                    ("contact", "company"),
                    "customer_summary",
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

    # --- the money buttons that are not transitions ---------------------------------------

    payment_services = {
        "resend": order_resend_payment_link,
        "new": order_new_payment_link,
        "invoice-paid": order_record_invoice_payment,
    }

    def get_urls(self):
        # Not atomic as a request: «new link» asks YooKassa, which must not happen inside an
        # open transaction; each service is atomic by itself.
        view = transaction.non_atomic_requests(self.admin_site.admin_view(self.payment_view))
        return [
            path(
                "<path:object_id>/payment/<slug:action>/",
                view,
                name="orders_order_payment_action",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        order = self.get_object(request, unquote(object_id)) if object_id else None
        if order is not None:
            extra_context["payment_actions"] = [
                {
                    "label": action.label,
                    "help_text": action.help_text,
                    "url": reverse(
                        "admin:orders_order_payment_action", args=[order.pk, action.name]
                    ),
                }
                for action in payment_actions_for(order, request.user)
            ]
        return super().change_view(request, object_id, form_url, extra_context)

    def payment_view(self, request, object_id, action):
        """POST only, with the CSRF token of the change form; checked again here whatever the
        page showed: the store (404), the permission (403), then the service's own rules."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        order = self.get_object(request, unquote(object_id))
        if order is None:
            raise Http404(gettext("Not found."))
        if action not in PAYMENT_ACTIONS:
            raise Http404(gettext("Not found."))
        if not request.user.has_perm(PAYMENT_ACTIONS[action].permission):
            raise PermissionDenied
        try:
            self.payment_services[action](order_id=order.pk, actor=request.user, via=Via.ADMIN)
        except (ValidationError, TransitionError, IntegrationError) as exc:
            text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            self.message_user(request, text, messages.ERROR)
        else:
            self.message_user(
                request,
                gettext("Done: «%(action)s».") % {"action": PAYMENT_ACTIONS[action].label},
                messages.SUCCESS,
            )
        return redirect("admin:orders_order_change", object_id=order.pk)

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


def register_order_inline(inline: type[InlineModelAdmin]) -> type[InlineModelAdmin]:
    """Show `inline` on the order page (before the history). For apps that orders may not
    import (fulfillment's shipments and assembly documents), called from their admin module."""
    if inline not in OrderAdmin.extra_inlines:
        OrderAdmin.extra_inlines.append(inline)
    return inline


# Registers the pages of the funnel, processing time, reports, returns and the events for the
# stores' websites.
from . import (  # noqa: E402,F401
    admin_funnel,
    admin_processing,
    admin_reports,
    admin_returns,
    admin_store_events,
)
