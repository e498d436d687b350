"""Admin of the events for the stores' websites: the store-scoped list «События для сайта» with
«Отправить ещё раз» for the failed ones, and the events on the order page (orders.store_events)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from automation.admin import StoreFilter, StoreScopedAdminMixin

from .admin import register_order_inline
from .models import Status
from .store_events import store_events_resend
from .store_events_models import StoreEvent

STATE_COLOURS = {"pending": "#b07d2f", "delivered": "#3d7a2a", "failed": "#b04f2f"}
STATUS_LABELS = dict(Status.choices)


def state_badge(event: StoreEvent) -> str:
    return format_html(
        '<span class="status-badge" style="background:{}">{}</span>',
        STATE_COLOURS.get(event.state, "#777"),
        event.get_state_display(),
    )


def reported_status(event: StoreEvent) -> str:
    """The order status the event tells the site, in the user's language."""
    return str(STATUS_LABELS.get(event.status, event.status or "—"))


def last_answer(event: StoreEvent) -> str:
    return event.last_error or (str(event.last_response_code) if event.last_response_code else "—")


class StoreEventReadOnly:
    """Events are written by the order's changes and by the worker, never by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StoreEvent)
class StoreEventAdmin(StoreScopedAdminMixin, StoreEventReadOnly, admin.ModelAdmin):
    list_display = (
        "created_at",
        "order_link",
        "sequence",
        "type",
        "status_display",
        "state_display",
        "attempts",
        "last_response_code",
        "last_error_short",
        "delivered_at",
        "store",
    )
    list_filter = ("state", StoreFilter, "type")
    list_select_related = ("order", "store")
    search_fields = ("order__number", "=event_id")
    date_hierarchy = "created_at"
    list_per_page = 50
    actions = ["resend"]
    fields = (
        ("order_link", "sequence", "store"),
        ("type", "status_display", "state_display"),
        "event_id",
        ("attempts", "next_attempt_at"),
        ("last_response_code", "delivered_at", "created_at"),
        "last_error",
        "payload",
    )
    readonly_fields = (
        "order_link",
        "sequence",
        "store",
        "type",
        "status_display",
        "state_display",
        "event_id",
        "attempts",
        "next_attempt_at",
        "last_response_code",
        "delivered_at",
        "created_at",
        "last_error",
        "payload",
    )

    @admin.action(description=_("Send again"), permissions=["resend"])
    def resend(self, request, queryset) -> None:
        count = store_events_resend(event_pks=queryset.values_list("pk", flat=True))
        if count:
            self.message_user(
                request,
                ngettext(
                    "%(count)d event will be sent again.",
                    "%(count)d events will be sent again.",
                    count,
                )
                % {"count": count},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request, gettext("Only events not delivered are sent again."), messages.WARNING
            )

    def has_resend_permission(self, request) -> bool:
        return request.user.has_perm("orders.resend_storeevent")

    @admin.display(description=_("order"), ordering="order__number")
    def order_link(self, obj: StoreEvent) -> str:
        url = reverse("admin:orders_order_change", args=[obj.order_id])
        return format_html('<a href="{}">№{}</a>', url, obj.order.number)

    @admin.display(description=_("status"))
    def status_display(self, obj: StoreEvent) -> str:
        return reported_status(obj)

    @admin.display(description=pgettext_lazy("store event", "sending"), ordering="state")
    def state_display(self, obj: StoreEvent) -> str:
        return state_badge(obj)

    @admin.display(description=_("last error"))
    def last_error_short(self, obj: StoreEvent) -> str:
        text = obj.last_error or "—"
        return text if len(text) <= 80 else text[:79] + "…"


class StoreEventInline(StoreEventReadOnly, admin.TabularInline):
    model = StoreEvent
    fields = (
        "sequence",
        "created_at",
        "type",
        "status_display",
        "state_display",
        "attempts",
        "answer",
        "delivered_at",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-sequence",)
    verbose_name_plural = _("Events for the website")

    def has_view_permission(self, request, obj=None) -> bool:
        # Whoever may see the order may see what its store's website was told.
        return request.user.has_perm("orders.view_order")

    @admin.display(description=_("status"))
    def status_display(self, obj: StoreEvent) -> str:
        return reported_status(obj)

    @admin.display(description=pgettext_lazy("store event", "sending"))
    def state_display(self, obj: StoreEvent) -> str:
        return state_badge(obj)

    @admin.display(description=_("last answer"))
    def answer(self, obj: StoreEvent) -> str:
        return last_answer(obj)


register_order_inline(StoreEventInline)
