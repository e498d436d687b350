"""Admin of the distribution of deals: manager profiles, rules, store settings, the assignment
log, and the page where a manager says whether they are at their desk."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from automation.admin import StoreScopedAdminMixin

from .choices import Channel, CustomerType, Presence
from .distribution import IN_QUEUE, counts_against_cap, manager_set_presence
from .models import (
    DealAssignment,
    DistributionRule,
    ManagerProfile,
    StoreDistributionSettings,
)


class ManagerProfileForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("channels"),
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy("None ticked: every channel."),
    )
    customer_types = forms.MultipleChoiceField(
        label=gettext_lazy("customer types"),
        choices=CustomerType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy("None ticked: both."),
    )

    class Meta:
        model = ManagerProfile
        fields = (
            "user",
            "presence",
            "accepts_deals",
            "stores",
            "channels",
            "customer_types",
            "max_open_deals",
            "work_start",
            "work_end",
            "work_days",
            "observe_holidays",
        )

    def clean(self):
        cleaned = super().clean()
        user, stores = cleaned.get("user"), cleaned.get("stores")
        if user is not None and stores:
            foreign = [
                store.name for store in stores if not user.stores.filter(pk=store.pk).exists()
            ]
            if foreign:
                self.add_error(
                    "stores",
                    _("%(manager)s does not work for: %(stores)s.")
                    % {"manager": user, "stores": ", ".join(foreign)},
                )
        return cleaned


def _presence_action(presence: str):
    def action(modeladmin, request, queryset):
        for profile in queryset:
            manager_set_presence(profile=profile, presence=presence)
        modeladmin.message_user(
            request,
            _("Presence «%(presence)s» set for %(count)d managers.")
            % {"presence": Presence(presence).label, "count": len(queryset)},
            messages.SUCCESS,
        )

    action.__name__ = f"set_presence_{presence}"
    return admin.action(
        description=gettext_lazy("Set presence: %(presence)s")
        % {"presence": Presence(presence).label}
    )(action)


@admin.register(ManagerProfile)
class ManagerProfileAdmin(admin.ModelAdmin):
    form = ManagerProfileForm
    list_display = (
        "user",
        "presence",
        "accepts_deals",
        "open_deals",
        "max_open_deals",
        "shift",
        "store_names",
        "last_assigned_at",
    )
    list_editable = ("presence", "accepts_deals", "max_open_deals")
    list_filter = ("presence", "accepts_deals", "stores")
    list_select_related = ("user",)
    search_fields = ("user__username", "user__first_name", "user__last_name")
    autocomplete_fields = ("user",)
    filter_horizontal = ("stores",)
    readonly_fields = ("presence_changed_at", "last_assigned_at")
    actions = [_presence_action(value) for value in Presence.values]
    fieldsets = (
        (None, {"fields": ("user", ("presence", "presence_changed_at"), "accepts_deals")}),
        (
            gettext_lazy("Which deals"),
            {"fields": ("stores", "channels", "customer_types", "max_open_deals")},
        ),
        (
            gettext_lazy("Shift"),
            {"fields": (("work_start", "work_end"), "work_days", "observe_holidays")},
        ),
        (None, {"fields": ("last_assigned_at",)}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("stores")
            .annotate(
                _open_deals=Count(
                    "user__deals", filter=counts_against_cap("user__deals__"), distinct=True
                )
            )
        )

    @admin.display(description=gettext_lazy("open deals"), ordering="_open_deals")
    def open_deals(self, obj: ManagerProfile) -> int:
        return obj._open_deals

    @admin.display(description=gettext_lazy("shift"))
    def shift(self, obj: ManagerProfile) -> str:
        return f"{obj.work_start:%H:%M}–{obj.work_end:%H:%M}"

    @admin.display(description=gettext_lazy("stores"))
    def store_names(self, obj: ManagerProfile) -> str:
        return ", ".join(store.name for store in obj.stores.all()) or _("all of theirs")

    def save_model(self, request, obj: ManagerProfile, form, change) -> None:
        # Presence goes through the service: coming back «на месте» hands out the queue.
        presence = obj.presence
        obj.presence = form.initial.get("presence", Presence.AWAY)
        super().save_model(request, obj, form, change)
        manager_set_presence(profile=obj, presence=presence)

    def get_urls(self):
        return [
            path(
                "my-presence/",
                self.admin_site.admin_view(self.my_presence_view),
                name="deals_managerprofile_my_presence",
            ),
            *super().get_urls(),
        ]

    def my_presence_view(self, request):
        """Any manager with a profile sets their own presence here, without other rights."""
        profile = ManagerProfile.objects.filter(user=request.user).first()
        if profile is not None and request.POST.get("presence") in Presence.values:
            manager_set_presence(profile=profile, presence=request.POST["presence"])
            self.message_user(
                request,
                _("Your presence: %(presence)s.") % {"presence": profile.get_presence_display()},
                messages.SUCCESS,
            )
            target = request.POST.get("next", "")
            if not url_has_allowed_host_and_scheme(
                target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                target = reverse("admin:deals_managerprofile_my_presence")
            return HttpResponseRedirect(target)
        context = {
            **self.admin_site.each_context(request),
            "title": _("My presence"),
            "profile": profile,
            "choices": Presence.choices,
            "next": request.GET.get("next", ""),
        }
        return TemplateResponse(request, "admin/deals/managerprofile/my_presence.html", context)


@admin.register(DistributionRule)
class DistributionRuleAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "priority",
        "is_active",
        "store",
        "channel",
        "customer_type",
        "source",
        "manager_names",
    )
    list_display_links = ("name",)
    list_editable = ("priority", "is_active")
    list_filter = ("is_active", "store", "channel", "customer_type")
    list_select_related = ("store",)
    ordering = ("priority", "name")
    search_fields = ("name", "source")
    filter_horizontal = ("managers",)
    fieldsets = (
        (None, {"fields": ("name", ("priority", "is_active"))}),
        (
            gettext_lazy("Which deals (empty: any)"),
            {"fields": ("store", "channel", "customer_type", "source")},
        ),
        (gettext_lazy("Who takes them"), {"fields": ("managers",)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("managers")

    @admin.display(description=gettext_lazy("managers"))
    def manager_names(self, obj: DistributionRule) -> str:
        return ", ".join(str(user) for user in obj.managers.all()) or _("any suitable")


@admin.register(StoreDistributionSettings)
class StoreDistributionSettingsAdmin(admin.ModelAdmin):
    list_display = ("store", "queue_order", "returning_to_own_manager")
    list_editable = ("queue_order", "returning_to_own_manager")
    list_select_related = ("store",)


@admin.register(DealAssignment)
class DealAssignmentAdmin(StoreScopedAdminMixin, admin.ModelAdmin):
    store_field = "deal__store"
    list_display = ("at", "deal", "manager", "strategy", "rule_name", "actor", "note")
    list_filter = ("strategy",)
    list_select_related = ("deal", "manager", "actor")
    search_fields = ("deal__number", "rule_name")
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class DealAssignmentInline(admin.TabularInline):
    """The deal's distribution history on its page."""

    model = DealAssignment
    fields = ("at", "manager", "strategy", "rule_name", "actor", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = gettext_lazy("Distribution")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("manager", "actor")


class QueueFilter(admin.SimpleListFilter):
    """«В очереди»: deals nobody could take yet, waiting for a free manager."""

    title = gettext_lazy("queue")
    parameter_name = "queued"

    def lookups(self, request, model_admin):
        return [("yes", _("In the queue")), ("no", _("Not in the queue"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(IN_QUEUE)
        if self.value() == "no":
            return queryset.exclude(IN_QUEUE)
        return queryset
