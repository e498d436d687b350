"""Admin of fulfillment: the assembly documents (read-only: they change through the order's
transitions), their printable page, and their inline on the order page."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from automation.admin import StoreFilter, StoreScopedAdminMixin
from catalog.models import Warehouse
from orders.admin import register_order_inline
from orders.models import Order

from .assembly import lines_by_warehouse
from .models import AssemblyDocument, AssemblyLine

STATUS_COLOURS = {"open": "#6a4fb0", "assembled": "#3d7a2a", "cancelled": "#999"}


def _lines_prefetch() -> Prefetch:
    return Prefetch(
        "lines",
        queryset=AssemblyLine.objects.select_related("product", "warehouse").order_by("pk"),
    )


def print_url(document: AssemblyDocument) -> str:
    return reverse("admin:fulfillment_assemblydocument_print", args=[document.pk])


def print_link(document: AssemblyDocument) -> str:
    return format_html(
        '<a href="{}" target="_blank" rel="noopener">{}</a>', print_url(document), gettext("Print")
    )


def status_badge(document: AssemblyDocument) -> str:
    return format_html(
        '<span class="status-badge" style="background:{}">{}</span>',
        STATUS_COLOURS.get(document.status, "#777"),
        document.get_status_display(),
    )


def lines_summary(document: AssemblyDocument) -> str:
    return format_html_join(
        "",
        "<div>{} × {} — {} <small>({})</small></div>",
        (
            (line.product.sku, line.quantity, line.warehouse.name, line.get_state_display())
            for line in document.lines.all()
        ),
    )


class WarehouseFilter(admin.SimpleListFilter):
    """Documents with a line taken from this warehouse."""

    title = _("warehouse")
    parameter_name = "warehouse"

    def lookups(self, request, model_admin):
        return [(str(w.pk), w.name) for w in Warehouse.objects.filter(is_active=True)]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(lines__warehouse_id=int(value)).distinct()
        return queryset


class AssignedFilter(admin.SimpleListFilter):
    """Mine / by assembler / nobody: the warehouse user's first filter."""

    title = _("assembler")
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        from django.contrib.auth import get_user_model

        from orders.roles import WAREHOUSE

        people = get_user_model().objects.filter(groups__name=WAREHOUSE, is_active=True)
        return [
            ("me", _("Me")),
            ("none", _("Nobody")),
            *((str(u.pk), u.get_full_name() or u.username) for u in people.order_by("pk")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "me":
            return queryset.filter(assignee=request.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value and value.isdigit():
            return queryset.filter(assignee_id=int(value))
        return queryset


class AssemblyLineInline(admin.TabularInline):
    model = AssemblyLine
    fields = ("product", "order_item", "warehouse", "quantity", "state")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product", "warehouse", "order_item")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AssemblyDocument)
class AssemblyDocumentAdmin(StoreScopedAdminMixin, admin.ModelAdmin):
    list_display = (
        "number",
        "order_link",
        "store",
        "status_display",
        "assignee",
        "due_display",
        "warehouses_display",
        "created_at",
        "print_display",
    )
    list_filter = ("status", WarehouseFilter, AssignedFilter, StoreFilter)
    search_fields = ("number", "order__number")
    list_select_related = ("order", "store", "assignee")
    list_per_page = 50
    date_hierarchy = "created_at"
    inlines = [AssemblyLineInline]
    fields = (
        ("number", "status_display", "print_display"),
        ("order_link", "store"),
        ("assignee", "due_at"),
        "move_note",
        ("created_at", "assembled_at", "cancelled_at"),
    )
    readonly_fields = (
        "number",
        "status_display",
        "print_display",
        "order_link",
        "store",
        "assignee",
        "due_at",
        "move_note",
        "created_at",
        "assembled_at",
        "cancelled_at",
    )

    def get_queryset(self, request):
        # The warehouses column reads the prefetched lines: one query for the whole page.
        return super().get_queryset(request).prefetch_related(_lines_prefetch())

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        return [
            path(
                "<path:object_id>/print/",
                self.admin_site.admin_view(self.print_view),
                name="fulfillment_assemblydocument_print",
            ),
            *super().get_urls(),
        ]

    def print_view(self, request, object_id):
        """The A4 page the assembler takes to the shelves. Another store's document is 404."""
        document = self.get_object(request, unquote(object_id))
        if document is None:
            raise Http404(gettext("Not found."))
        if not self.has_view_permission(request, document):
            raise PermissionDenied
        order = Order.objects.select_related(
            "contact", "company", "pickup_point", "responsible"
        ).get(pk=document.order_id)
        return TemplateResponse(
            request,
            "fulfillment/assembly_document_print.html",
            {
                "document": document,
                "order": order,
                "groups": lines_by_warehouse(document),
                "move_notes": [line for line in document.move_note.splitlines() if line],
                "printed_at": timezone.localtime(),
            },
        )

    @admin.display(description=_("order"), ordering="order__number")
    def order_link(self, obj: AssemblyDocument) -> str:
        url = reverse("admin:orders_order_change", args=[obj.order_id])
        return format_html('<a href="{}">{}</a>', url, obj.order)

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, obj: AssemblyDocument) -> str:
        return status_badge(obj)

    @admin.display(description=_("assemble by"), ordering="due_at")
    def due_display(self, obj: AssemblyDocument) -> str:
        if obj.due_at is None:
            return "—"
        text = timezone.localtime(obj.due_at).strftime("%d.%m %H:%M")
        if obj.status == AssemblyDocument.Status.OPEN and obj.due_at < timezone.now():
            return format_html(
                '<span class="status-badge overdue">{} {}</span>', gettext("Overdue"), text
            )
        return text

    @admin.display(description=_("warehouses"))
    def warehouses_display(self, obj: AssemblyDocument) -> str:
        names = []
        for line in obj.lines.all():
            if line.warehouse.name not in names:
                names.append(line.warehouse.name)
        return ", ".join(names) or "—"

    @admin.display(description=_("print"))
    def print_display(self, obj: AssemblyDocument) -> str:
        return print_link(obj)


class AssemblyDocumentInline(admin.TabularInline):
    """The order's assembly documents on its page, with their lines and the print link."""

    model = AssemblyDocument
    fk_name = "order"
    fields = (
        "document_link",
        "status_display",
        "assignee",
        "due_at",
        "lines_display",
        "move_note",
        "print_display",
    )
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = _("Assembly")
    ordering = ("-created_at", "-pk")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("assignee")
            .prefetch_related(_lines_prefetch())
        )

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("document"))
    def document_link(self, obj: AssemblyDocument) -> str:
        url = reverse("admin:fulfillment_assemblydocument_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj)

    @admin.display(description=_("status"))
    def status_display(self, obj: AssemblyDocument) -> str:
        return status_badge(obj)

    @admin.display(description=_("lines"))
    def lines_display(self, obj: AssemblyDocument) -> str:
        return lines_summary(obj)

    @admin.display(description=_("print"))
    def print_display(self, obj: AssemblyDocument) -> str:
        return print_link(obj)


register_order_inline(AssemblyDocumentInline)

from . import admin_shipments  # noqa: E402,F401  (registers the shipment pages)
from .onec import admin as onec_admin  # noqa: E402, F401  the 1C exchange's admin
