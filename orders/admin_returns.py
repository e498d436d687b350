"""Admin of returns: the list (store-scoped, with the figures of the last 30 days), the return
page where the warehouse records the inspection, the reasons list, and the returns on the order
page. Registering, completing and rejecting a return are the order's buttons (orders.returns)."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from automation.admin import StoreFilter, StoreScopedAdminMixin
from automation.exceptions import TransitionError
from catalog.models import Store, user_sees_all_stores

from .admin import register_order_inline
from .returns import (
    INSPECT_PERMISSIONS,
    Verdict,
    return_record_inspection,
    return_stats,
    verdict_label,
)
from .returns_models import OrderReturn, ReturnLine, ReturnReason

STATUS_COLOURS = {"requested": "#b06a00", "completed": "#3d7a2a", "rejected": "#999"}


def return_status_badge(order_return: OrderReturn) -> str:
    return format_html(
        '<span class="status-badge" style="background:{}">{}</span>',
        STATUS_COLOURS.get(order_return.status, "#777"),
        order_return.get_status_display(),
    )


def return_lines_summary(order_return: OrderReturn) -> str:
    return format_html_join(
        "",
        "<div>{} × {} — {}</div>",
        (
            (line.order_item.sku, line.quantity, verdict_label(Verdict.of(line)))
            for line in order_return.lines.all()
        ),
    )


def _lines_prefetch() -> Prefetch:
    return Prefetch("lines", queryset=ReturnLine.objects.select_related("order_item"))


def _may_inspect(user) -> bool:
    return any(user.has_perm(p) for p in INSPECT_PERMISSIONS)


@admin.register(ReturnReason)
class ReturnReasonAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "position", "is_active")
    list_editable = ("position", "is_active")
    search_fields = ("name", "code")

    def has_delete_permission(self, request, obj=None) -> bool:
        # Reports group past returns by reason: retire a reason («in use» off) instead.
        return False


class InspectionForm(forms.ModelForm):
    verdict = forms.ChoiceField(
        label=_("inspection"), choices=[("", "—"), *Verdict.CHOICES], required=False
    )

    class Meta:
        model = ReturnLine
        fields = ("inspection_note",)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["verdict"].initial = Verdict.of(self.instance)


class ReturnLineInline(admin.TabularInline):
    model = ReturnLine
    form = InspectionForm
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order_item")

    def get_fields(self, request, obj=None):
        if self._inspecting(request, obj):
            return ("item", "quantity", "verdict", "inspection_note", "refund_amount", "restocked")
        return ("item", "quantity", "result", "inspection_note", "refund_amount", "restocked")

    def get_readonly_fields(self, request, obj=None):
        readonly = ["item", "quantity", "refund_amount", "restocked", "result"]
        if not self._inspecting(request, obj):
            readonly.append("inspection_note")
        return readonly

    def _inspecting(self, request, obj) -> bool:
        return obj is not None and obj.is_open and _may_inspect(request.user)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return self._inspecting(request, obj)

    @admin.display(description=_("item"))
    def item(self, obj: ReturnLine) -> str:
        return f"{obj.order_item.sku} {obj.order_item.name}"

    @admin.display(description=_("inspection"))
    def result(self, obj: ReturnLine) -> str:
        return verdict_label(Verdict.of(obj))


@admin.register(OrderReturn)
class OrderReturnAdmin(StoreScopedAdminMixin, admin.ModelAdmin):
    change_list_template = "orders/admin/orderreturn_change_list.html"
    list_display = (
        "order_link",
        "created_at",
        "store",
        "status_display",
        "reason",
        "method",
        "lines_display",
        "refund_total",
        "refund_by_hand",
    )
    list_filter = ("status", "reason", "method", "channel", StoreFilter)
    list_select_related = ("order", "store", "reason")
    search_fields = ("order__number", "order__contact__phone", "order__contact__full_name")
    date_hierarchy = "created_at"
    list_per_page = 50
    inlines = [ReturnLineInline]
    fields = (
        ("order_link", "status_display", "store"),
        ("reason", "channel", "method"),
        ("pickup_address", "pickup_from", "pickup_until", "pickup_point"),
        "comment",
        ("created_by", "created_at", "task_link"),
        ("closed_by", "closed_at", "restock_warehouse"),
        ("refund_total", "refund_online", "refund_by_hand"),
        "rejection_comment",
    )
    readonly_fields = (
        "order_link",
        "status_display",
        "store",
        "reason",
        "channel",
        "method",
        "pickup_address",
        "pickup_from",
        "pickup_until",
        "pickup_point",
        "comment",
        "created_by",
        "created_at",
        "task_link",
        "closed_by",
        "closed_at",
        "restock_warehouse",
        "refund_total",
        "refund_online",
        "refund_by_hand",
        "rejection_comment",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(_lines_prefetch())

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # Only the inspection is edited here, while the return is open.
        if obj is None:
            return _may_inspect(request.user)
        return obj.is_open and _may_inspect(request.user)

    def save_model(self, request, obj, form, change) -> None:
        pass  # nothing of the return itself is edited here

    def save_formset(self, request, form, formset, change) -> None:
        # Not saved by the formset: the service writes the inspection and its history entry
        # (save(commit=False) only gives the admin's change message what it expects).
        formset.save(commit=False)
        results, notes = {}, {}
        for line_form in formset.forms:
            line = line_form.instance
            results[line.pk] = line_form.cleaned_data.get("verdict", "")
            notes[line.pk] = line_form.cleaned_data.get("inspection_note", "")
        try:
            return_record_inspection(
                return_id=form.instance.pk, results=results, notes=notes, actor=request.user
            )
        except (ValidationError, TransitionError) as exc:
            text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            self.message_user(request, text, messages.ERROR)

    def changelist_view(self, request, extra_context=None):
        # The last 30 days: a month start would show nothing on the 1st.
        now = timezone.localtime()
        start = (now - timedelta(days=30)).replace(hour=0, minute=0, second=0, microsecond=0)
        stores = (
            None if user_sees_all_stores(request.user) else Store.objects.visible_to(request.user)
        )
        extra_context = {
            **(extra_context or {}),
            "month_stats": return_stats(start=start, end=now, stores=stores),
            "month_start": start,
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("order"), ordering="order__number")
    def order_link(self, obj: OrderReturn) -> str:
        url = reverse("admin:orders_order_change", args=[obj.order_id])
        return format_html('<a href="{}">№{}</a>', url, obj.order.number)

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, obj: OrderReturn) -> str:
        return return_status_badge(obj)

    @admin.display(description=_("items"))
    def lines_display(self, obj: OrderReturn) -> str:
        return return_lines_summary(obj)

    @admin.display(description=_("courier task"))
    def task_link(self, obj: OrderReturn) -> str:
        if not obj.task_id:
            return "—"
        url = reverse("admin:automation_task_change", args=[obj.task_id])
        return format_html('<a href="{}">{}</a>', url, gettext("Open"))


class OrderReturnInline(admin.TabularInline):
    model = OrderReturn
    fields = (
        "return_link",
        "created_at",
        "status_display",
        "reason",
        "method",
        "lines_display",
        "refund_total",
        "refund_by_hand",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("Returns")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("reason", "order")
            .prefetch_related(_lines_prefetch())
        )

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("return"))
    def return_link(self, obj: OrderReturn) -> str:
        url = reverse("admin:orders_orderreturn_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Open"))

    @admin.display(description=_("status"))
    def status_display(self, obj: OrderReturn) -> str:
        return return_status_badge(obj)

    @admin.display(description=_("items"))
    def lines_display(self, obj: OrderReturn) -> str:
        return return_lines_summary(obj)


register_order_inline(OrderReturnInline)
