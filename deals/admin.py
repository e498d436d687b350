from __future__ import annotations

from django.contrib import admin
from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Subquery, Sum
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
from automation.paginator import EstimatedCountPaginator
from contacts.admin import CustomerSummaryMixin, PhoneSearchMixin

from .admin_distribution import DealAssignmentInline, QueueFilter
from .admin_inbox import DealConversationMixin, UnreadFilter, with_unread_count
from .admin_phone import PhoneOrderAdminMixin
from .distribution import deal_is_queued, deal_log_manual_assignment
from .filters import ResponsibleFilter
from .forms import ItemLineForm
from .models import Deal, DealItem, DealTransition, RefusalReason
from .services import DEAL_TRANSITION_SERVICES, deal_assign_number, deal_save_new


@admin.register(RefusalReason)
class RefusalReasonAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "position", "is_active")
    list_editable = ("position", "is_active")
    search_fields = ("name",)


class DealItemForm(ItemLineForm):
    class Meta:
        model = DealItem
        fields = ("product", "quantity", "price")


class DealItemInline(admin.TabularInline):
    model = DealItem
    form = DealItemForm
    fields = ("product", "quantity", "price", "line_total")
    readonly_fields = ("line_total",)
    autocomplete_fields = ("product",)
    extra = 0

    @admin.display(description=_("amount"))
    def line_total(self, obj: DealItem):
        return obj.total if obj.pk else "—"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product")

    def _editable(self, obj: Deal | None) -> bool:
        return obj is None or obj.stage in (Deal.Stage.NEW, Deal.Stage.IN_PROGRESS)

    def has_add_permission(self, request, obj=None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)


def _draft_totals():
    """The sum of the deal's draft lines, one value per deal (OuterRef: the deal)."""
    line_total = ExpressionWrapper(
        F("price") * F("quantity"), output_field=DecimalField(max_digits=14, decimal_places=2)
    )
    return (
        DealItem.objects.filter(deal=OuterRef("pk"))
        .order_by()
        .values("deal")
        .annotate(total=Sum(line_total))
        .values("total")
    )


class DealTransitionInline(TransitionHistoryInline):
    model = DealTransition


class DealForm(VersionedModelForm):
    class Meta:
        model = Deal
        fields = "__all__"


@admin.register(Deal)
class DealAdmin(
    PhoneOrderAdminMixin,
    DealConversationMixin,
    StoreScopedAdminMixin,
    PhoneSearchMixin,
    CustomerSummaryMixin,
    TransitionAdminMixin,
    admin.ModelAdmin,
):
    form = DealForm
    fsm_fields = ["stage"]
    transition_services = DEAL_TRANSITION_SERVICES
    object_id_kwarg = "deal_id"
    phone_search_field = "contact__phone"

    list_display = (
        "number",
        "customer_display",
        "unread_count",
        "draft_total",
        "stage",
        "time_limit",
        "channel",
        "responsible",
        "store",
        "age",
        "queue",
    )
    list_display_links = ("number", "customer_display")
    list_filter = (
        "stage",
        OverdueFilter,
        UnreadFilter,
        StoreFilter,
        ResponsibleFilter,
        QueueFilter,
        "channel",
        "delivery_method",
        "payment_method",
        # Not a date_hierarchy: its year links come from a scan of every deal (SELECT
        # DISTINCT over the table, ~300 ms at 1.25M deals); these periods cost no query.
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
    list_select_related = ("contact", "company", "responsible", "store")
    autocomplete_fields = ("contact", "company")
    # A million deals are not counted on every page (automation.paginator); nor is the
    # unfiltered total next to a filtered one («Show all» instead).
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    inlines = [
        DealItemInline,
        DealTransitionInline,
        DealAssignmentInline,
        TaskInline,
        FiringInline,
    ]
    readonly_fields = (
        "number",
        "stage",
        "time_limit",
        "stage_deadline_at",
        "lost_reason",
        "lost_comment",
        "created_at",
        "stage_changed_at",
        "placed_at",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("number", "stage"),
                    ("time_limit", "stage_deadline_at"),
                    "title",
                    ("store", "channel", "source"),
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
        (_("Comments"), {"fields": ("comment", "external_id")}),
        (
            _("Refusal"),
            {"fields": ("lost_reason", "lost_comment"), "classes": ("collapse",)},
        ),
        (_("Dates"), {"fields": (("created_at", "stage_changed_at"), "placed_at")}),
    )

    def get_queryset(self, request):
        # Both figures are scalar subqueries, not a GROUP BY over the deals: PostgreSQL
        # computes them for the rows a page shows (after the LIMIT), and the count of the list
        # leaves them out. Neither column sorts the list: that would compute them for every
        # deal of the list.
        return with_unread_count(
            super()
            .get_queryset(request)
            .annotate(_draft_total=Subquery(_draft_totals()))
            # Newest first, ties by id: a stable order for the list and the autocomplete,
            # served by the index deal_created_id.
            .order_by(*Deal._meta.ordering, "-pk")
        )

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("responsible", request.user.pk)
        return initial

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is None:
            fields.remove("number")
        else:
            fields.append("store")
        if obj is not None and obj.stage not in (Deal.Stage.NEW, Deal.Stage.IN_PROGRESS):
            fields += ["contact", "company", "delivery_method", "delivery_address", "pickup_point"]
            fields += ["pickup_point_code", "payment_method"]
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            # The number is drawn when the deal is saved.
            first = dict(fieldsets[0][1])
            first["fields"] = tuple(
                f
                for f in first["fields"]
                if f not in (("number", "stage"), ("time_limit", "stage_deadline_at"), "title")
            )
            return ((None, first), *fieldsets[1:])
        return fieldsets

    def save_model(self, request, obj: Deal, form, change) -> None:
        if not change:
            deal_assign_number(obj)
            deal_save_new(obj)
            return
        super().save_model(request, obj, form, change)
        if "responsible" in form.changed_data:
            deal_log_manual_assignment(deal=obj, actor=request.user)

    @admin.display(description=_("customer"), ordering="contact__full_name")
    def customer_display(self, obj: Deal) -> str:
        if obj.company_id:
            return str(obj.company.name)
        if obj.contact_id:
            return " · ".join(filter(None, [obj.contact.full_name, obj.contact.phone]))
        return "—"

    @admin.display(description=_("amount"))
    def draft_total(self, obj: Deal):
        return obj._draft_total or 0

    @admin.display(description=_("time limit"), ordering="stage_deadline_at")
    def time_limit(self, obj: Deal) -> str:
        return overdue_badge(obj) or "—"

    @admin.display(description=_("age"), ordering="created_at")
    def age(self, obj: Deal) -> str:
        return timesince(obj.created_at, depth=1)

    @admin.display(description=_("queue"), ordering="queued_since")
    def queue(self, obj: Deal) -> str:
        if not deal_is_queued(obj):
            return ""
        return _("waiting %(time)s") % {"time": timesince(obj.queued_since, depth=1)}
