"""Admin pages of automation: time limits and triggers (team lead), tasks and notifications
(everyone, their own)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.contenttypes.admin import GenericTabularInline
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from contacts.models import CustomerSegment

from .models import (
    ChecklistItem,
    Notification,
    StageLimit,
    Task,
    Trigger,
    TriggerAction,
    TriggerFiring,
)
from .models.limits import SUBJECTS, subject_states
from .registry import condition_choices
from .services import notification_mark_read


def _state_choices():
    return [("", "---------")] + [
        (str(label), subject_states(subject)) for subject, label in SUBJECTS
    ]


class StageChoiceForm(forms.ModelForm):
    """The stage (and a trigger's conditions) as lists to pick from instead of codes to type."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"] = forms.ChoiceField(
            label=self.fields["state"].label, choices=_state_choices()
        )
        for name in ("channel", "delivery_method", "payment_method"):
            choices = condition_choices(name)
            if name in self.fields and choices is not None:
                self.fields[name] = forms.ChoiceField(
                    label=self.fields[name].label,
                    choices=[("", _("any")), *choices],
                    required=False,
                )
        if "customer_segment" in self.fields:
            self.fields["customer_segment"].choices = [("", _("any")), *CustomerSegment.choices]


@admin.register(StageLimit)
class StageLimitAdmin(admin.ModelAdmin):
    form = StageChoiceForm
    list_display = (
        "subject",
        "state_label",
        "minutes",
        "time_kind",
        "warn_at_percent",
        "is_active",
    )
    list_editable = ("minutes", "time_kind", "warn_at_percent", "is_active")
    list_filter = ("subject", "time_kind", "is_active")

    @admin.display(description=_("stage / status"), ordering="state")
    def state_label(self, obj: StageLimit) -> str:
        return obj.state_label


class TriggerActionInline(admin.StackedInline):
    model = TriggerAction
    extra = 0
    fields = (
        ("kind", "position"),
        "template",
        "text",
        "checklist",
        ("due_minutes", "assignee", "assignee_group"),
        ("transition", "reason_code"),
    )


def _object_link(content_type, object_id) -> str:
    if content_type is None:
        return "—"
    url = reverse(f"admin:{content_type.app_label}_{content_type.model}_change", args=[object_id])
    return format_html('<a href="{}">{} #{}</a>', url, content_type.name, object_id)


@admin.register(Trigger)
class TriggerAdmin(admin.ModelAdmin):
    form = StageChoiceForm
    list_display = ("name", "subject", "state", "event", "delay_minutes", "is_active", "position")
    list_filter = ("subject", "event", "is_active")
    list_editable = ("is_active", "position")
    search_fields = ("name",)
    filter_horizontal = ("stores",)
    inlines = [TriggerActionInline]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    ("subject", "state"),
                    ("event", "delay_minutes"),
                    "is_active",
                    "position",
                )
            },
        ),
        (
            _("Conditions (empty: any)"),
            {
                "fields": (
                    "stores",
                    ("channel", "delivery_method", "payment_method"),
                    "customer_segment",
                )
            },
        ),
    )


def visible_subjects(user) -> Q:
    """Rows about deals and orders of the stores `user` works for (generic relations)."""
    from catalog.models import Store, user_sees_all_stores

    from .registry import staged_models

    if user_sees_all_stores(user):
        return Q()
    stores = Store.objects.filter(members=user)
    condition = Q(pk__in=[])
    for model in staged_models():
        condition |= Q(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=model.objects.filter(store__in=stores).values("pk"),
        )
    return condition


@admin.register(TriggerFiring)
class TriggerFiringAdmin(admin.ModelAdmin):
    list_display = ("created_at", "trigger", "action", "subject_link", "due_at", "status", "result")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(visible_subjects(request.user))

    list_filter = ("status", "trigger")
    list_select_related = ("trigger", "action", "action__template", "content_type")
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("object"))
    def subject_link(self, obj: TriggerFiring) -> str:
        return _object_link(obj.content_type, obj.object_id)


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    fields = ("done", "text", "position")
    extra = 0


class TaskStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("open", pgettext_lazy("task state", "Open")),
            ("overdue", pgettext_lazy("task state", "Overdue")),
            ("done", pgettext_lazy("task state", "Done")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "open":
            return queryset.filter(done_at__isnull=True)
        if value == "overdue":
            return queryset.filter(done_at__isnull=True, due_at__lt=timezone.now())
        if value == "done":
            return queryset.filter(done_at__isnull=False)
        return queryset


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    """«Мои задачи»: a manager sees the tasks given to them; the team lead sees everyone's."""

    list_display = ("title", "subject_link", "assignee", "due_at", "state_badge", "remind_at")
    list_filter = (TaskStateFilter, "assignee")
    search_fields = ("title",)
    list_select_related = ("assignee", "content_type")
    inlines = [ChecklistItemInline]
    fields = ("title", "assignee", "due_at", "remind_at", "done_at", "subject_link", "created_by")
    readonly_fields = ("subject_link", "created_by")
    actions = ["mark_done"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.has_perm("automation.receive_escalations") or request.user.is_superuser:
            return qs
        return qs.filter(assignee=request.user)

    def get_changeform_initial_data(self, request):
        return {"assignee": request.user.pk, **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("about"))
    def subject_link(self, obj: Task) -> str:
        return _object_link(obj.content_type, obj.object_id) if obj.object_id else "—"

    @admin.display(description=_("state"))
    def state_badge(self, obj: Task) -> str:
        if obj.done_at:
            return format_html(
                '<span class="status-badge" style="background:#3d7a2a">{}</span>', _("done")
            )
        if obj.is_overdue:
            return format_html(
                '<span class="status-badge" style="background:#ba2121">{}</span>', _("overdue")
            )
        return format_html(
            '<span class="status-badge" style="background:#2f6fb0">{}</span>', _("open")
        )

    @admin.action(description=_("Mark done"))
    def mark_done(self, request, queryset):
        count = queryset.filter(done_at__isnull=True).update(done_at=timezone.now())
        self.message_user(
            request, _("%(count)s task(s) done.") % {"count": count}, messages.SUCCESS
        )


class TaskInline(GenericTabularInline):
    """Tasks about this deal or order, on its page; a manager adds «перезвонить в …» here."""

    model = Task
    fields = ("title", "assignee", "due_at", "remind_at", "done_at")
    extra = 0
    verbose_name_plural = _("Tasks and reminders")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("assignee")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "assignee":
            # One query for the choices of every row, not one per task on the page.
            cached = getattr(request, "_task_assignee_choices", None)
            if cached is None:
                field.queryset = field.queryset.filter(is_active=True, is_staff=True)
                cached = request._task_assignee_choices = list(field.choices)
            field.choices = cached
        return field


class FiringInline(GenericTabularInline):
    """What the triggers did (or will do) with this deal or order."""

    model = TriggerFiring
    fields = ("created_at", "trigger", "action", "state", "due_at", "status", "result")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = _("Automation")
    ordering = ("-created_at",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("trigger", "action", "action__template")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Everyone's own notifications; opening the list marks nothing, the action does."""

    list_display = ("created_at", "level_badge", "text_link", "is_read")
    list_filter = ("level", ("read_at", admin.EmptyFieldListFilter))
    actions = ["mark_read"]
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).filter(user=request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    @admin.display(description=_("level"))
    def level_badge(self, obj: Notification) -> str:
        colour = {"alert": "#ba2121", "warning": "#b07d2f"}.get(obj.level, "#2f6fb0")
        return format_html(
            '<span class="status-badge" style="background:{}">{}</span>',
            colour,
            obj.get_level_display(),
        )

    @admin.display(description=_("text"))
    def text_link(self, obj: Notification) -> str:
        if not obj.link:
            return obj.text
        return format_html('<a href="{}">{}</a>', obj.link, obj.text)

    @admin.display(description=_("read"), boolean=True)
    def is_read(self, obj: Notification) -> bool:
        return obj.read_at is not None

    @admin.action(description=_("Mark as read"))
    def mark_read(self, request, queryset):
        notification_mark_read(user=request.user, ids=list(queryset.values_list("pk", flat=True)))
