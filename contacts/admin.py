from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from .models import PLACEHOLDERS, Company, Contact, Message, MessageTemplate
from .segments import customer_summary, format_roubles, rating_stars
from .validators import try_normalize_phone


class PhoneSearchMixin:
    """Lets a manager search by the phone as the customer dictates it: "8 999 123-45-67".

    A search that is a whole phone number looks up that phone only, with its index: the stock
    search would take it for three words to find anywhere in every search field, a scan of
    seconds over a million orders that finds nothing more."""

    phone_search_field = "phone"

    def get_search_results(self, request, queryset, search_term):
        phone = try_normalize_phone(search_term)
        if phone:
            return queryset.filter(**{self.phone_search_field: phone}), False
        return super().get_search_results(request, queryset, search_term)


class CustomerSummaryMixin:
    """A deal's or an order's page names the customer's segment and rating near the top, so
    the manager knows who is calling: add "customer_summary" to the fieldsets."""

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "customer_summary")

    @admin.display(description=_("customer"))
    def customer_summary(self, obj) -> str:
        return customer_summary(obj.contact if obj is not None and obj.contact_id else None)


class ConversationInline(admin.TabularInline):
    """The contact's messages, latest first: a log, written only by `contacts.messaging`."""

    model = Message
    verbose_name = _("message")
    verbose_name_plural = _("conversation")
    #: A long conversation: the card shows the latest messages, «All messages» opens the rest.
    max_shown = 50
    fields = ("created_at", "channel", "direction", "text", "status", "error")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request).order_by("-created_at", "-pk")
        match = request.resolver_match
        contact_id = match.kwargs.get("object_id", "") if match else ""
        if not str(contact_id).isdigit():
            return queryset
        # A sliced queryset cannot be filtered by the formset, a subquery of the latest ids can.
        latest = queryset.filter(contact_id=contact_id).values("pk")[: self.max_shown]
        return queryset.filter(pk__in=latest)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # Whoever may open the card reads its conversation (the warehouse too), without the
        # permission for the list of all messages.
        return request.user.has_perm("contacts.view_contact") or request.user.has_perm(
            "contacts.change_contact"
        )


class RatingFilter(admin.SimpleListFilter):
    title = _("rating")
    parameter_name = "rating"

    def lookups(self, request, model_admin):
        return [(str(stars), rating_stars(stars)) for stars in range(5, 0, -1)] + [
            ("none", _("not rated yet"))
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(rating__isnull=True)
        if value and value.isdigit():
            return queryset.filter(rating=int(value))
        return queryset


#: The purchase figures, computed by orders.segments: shown, never edited.
PURCHASE_FIELDS = (
    ("segment", "rating_display"),
    ("orders_count", "issued_orders_count"),
    ("spent_display", "average_display"),
    ("last_order_at", "stats_updated_at"),
)


@admin.register(Contact)
class ContactAdmin(PhoneSearchMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "phone",
        "segment",
        "rating_display",
        "issued_orders_count",
        "spent_display",
        "last_order_at",
        "responsible",
        "created_at",
    )
    list_filter = ("segment", RatingFilter, "responsible")
    search_fields = ("full_name", "phone", "email", "telegram_id", "whatsapp_id", "vk_id")
    list_select_related = ("responsible",)
    fieldsets = (
        (None, {"fields": ("full_name", "phone", "email", "responsible", "comment")}),
        (_("Messengers"), {"fields": ("telegram_id", "whatsapp_id", "viber_id", "vk_id")}),
        (_("Purchases"), {"fields": PURCHASE_FIELDS}),
    )
    inlines = (ConversationInline,)
    readonly_fields = (
        "all_messages",
        "segment",
        "rating_display",
        "orders_count",
        "issued_orders_count",
        "spent_display",
        "average_display",
        "last_order_at",
        "stats_updated_at",
    )

    @admin.display(description=_("rating"), ordering="rating")
    def rating_display(self, obj: Contact) -> str:
        return rating_stars(obj.rating)

    @admin.display(description=_("total spent"), ordering="total_spent")
    def spent_display(self, obj: Contact) -> str:
        return format_roubles(obj.total_spent)

    @admin.display(description=_("average order"), ordering="average_order")
    def average_display(self, obj: Contact) -> str:
        return format_roubles(obj.average_order) if obj.average_order is not None else "—"

    def get_inlines(self, request, obj):
        # A new card has no conversation yet.
        return self.inlines if obj is not None else ()

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            # A new card has no purchases yet.
            fieldsets = fieldsets[:-1]
        if obj is not None and request.user.has_perm("contacts.view_message"):
            fieldsets = (*fieldsets, (_("Conversation"), {"fields": ("all_messages",)}))
        return fieldsets

    @admin.display(description=_("all messages"))
    def all_messages(self, obj):
        url = reverse("admin:contacts_message_changelist")
        return format_html(
            '<a href="{}?contact__id__exact={}">{}</a>',
            url,
            obj.pk,
            _("%(count)s messages") % {"count": obj.messages.count()},
        )


@admin.register(Company)
class CompanyAdmin(PhoneSearchMixin, admin.ModelAdmin):
    list_display = ("name", "inn", "kpp", "phone", "responsible")
    search_fields = ("name", "inn", "phone", "email")
    autocomplete_fields = ("contacts",)
    list_select_related = ("responsible",)


def placeholders_help() -> str:
    """The allowed placeholders with what each stands for, as HTML for a help text."""
    items = format_html_join(
        "",
        "<li><code>{{{}}}</code> — {}</li>",
        ((name, desc) for name, desc in PLACEHOLDERS.items()),
    )
    return format_html("{}<ul>{}</ul>", _("Allowed placeholders:"), items)


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "short_text", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("name", "code", "text")

    @admin.display(description=_("text"))
    def short_text(self, obj):
        return Truncator(obj.text).chars(80)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "text" in form.base_fields:
            form.base_fields["text"].help_text = placeholders_help()
        return form


@admin.register(Message)
class MessageAdmin(PhoneSearchMixin, admin.ModelAdmin):
    """Every message to and from customers, for the team lead; read-only."""

    phone_search_field = "contact__phone"
    list_display = (
        "created_at",
        "contact",
        "channel",
        "direction",
        "short_text",
        "status",
        "attempts",
        "error",
    )
    list_filter = ("channel", "status", "direction", "template_code")
    search_fields = ("contact__full_name", "contact__phone")
    list_select_related = ("contact",)
    date_hierarchy = "created_at"
    fields = (
        "contact",
        "channel",
        "recipient",
        "direction",
        "text",
        "status",
        "error",
        "attempts",
        "provider_message_id",
        "template_code",
        "subject_link",
        "idempotency_key",
        "created_at",
        "claimed_at",
        "sent_at",
        "delivered_at",
    )
    readonly_fields = fields

    @admin.display(description=_("text"))
    def short_text(self, obj):
        return Truncator(obj.text).chars(60)

    @admin.display(description=_("about"))
    def subject_link(self, obj):
        subject = obj.subject
        if subject is None:
            return "—"
        try:
            url = reverse(
                f"admin:{subject._meta.app_label}_{subject._meta.model_name}_change",
                args=[subject.pk],
            )
        except NoReverseMatch:
            return str(subject)
        return format_html('<a href="{}">{}</a>', url, subject)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
