"""Admin building blocks for staged models (deals, orders): transition buttons that go through
the services, optimistic locking of the change form, store scoping and the history inline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm.admin import FSMAdminMixin

from catalog.models import Store, user_sees_all_stores

from .exceptions import TransitionError
from .models import Heartbeat, StagedModel
from .transitions import transition_label

STALE_MESSAGE = gettext_lazy(
    "Someone else changed this record while you were editing it. Your changes "
    "were not saved: reload the page and make them again."
)


class VersionedModelForm(forms.ModelForm):
    """Refuses to save over a change someone else made after this form was opened.

    The form carries the version it was rendered with; the row's version is read under a row
    lock, so the check and the save that follows cannot be overtaken.
    """

    version_seen = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version_seen"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.instance.pk and cleaned.get("version_seen") is not None:
            current = (
                type(self.instance)
                .objects.select_for_update()
                .values_list("version", flat=True)
                .get(pk=self.instance.pk)
            )
            if current != cleaned["version_seen"]:
                raise ValidationError(STALE_MESSAGE, code="stale")
        return cleaned


class StoreFilter(admin.SimpleListFilter):
    """The stores this user works for: other stores' names are not shown either."""

    title = gettext_lazy("store")
    parameter_name = "store"

    def lookups(self, request, model_admin):
        return [(str(s.pk), s.name) for s in Store.objects.visible_to(request.user)]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(store_id=int(value)) if value and value.isdigit() else queryset


class OverdueFilter(admin.SimpleListFilter):
    """«Просрочен» / «Скоро просрочка»: the marks of the stage time limits."""

    title = gettext_lazy("time limit")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("overdue", _("Overdue")), ("soon", _("Soon overdue")), ("on_time", _("On time"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "overdue":
            return queryset.filter(overdue_since__isnull=False)
        if value == "soon":
            return queryset.filter(warned_at__isnull=False, overdue_since__isnull=True)
        if value == "on_time":
            return queryset.filter(overdue_since__isnull=True)
        return queryset


def overdue_badge(obj) -> str:
    """«Просрочен» with how long, «скоро просрочка», or nothing."""
    from django.utils.html import format_html
    from django.utils.timesince import timesince

    if obj.overdue_since is not None and obj.stage_deadline_at is not None:
        return format_html(
            '<span class="status-badge overdue" title="{}">{} {}</span>',
            _("due by %(time)s")
            % {"time": timezone.localtime(obj.stage_deadline_at).strftime("%d.%m %H:%M")},
            _("Overdue"),
            timesince(obj.stage_deadline_at, depth=1),
        )
    if obj.warned_at is not None:
        return format_html('<span class="status-badge soon">{}</span>', _("Soon overdue"))
    return ""


class StoreScopedAdminMixin:
    """A user sees only the rows of the stores they work for, everywhere the admin lists or
    opens them (list, change page, search, autocomplete); others' rows are simply not found."""

    store_field = "store"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if user_sees_all_stores(request.user):
            return qs
        return qs.filter(**{f"{self.store_field}__in": Store.objects.filter(members=request.user)})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == self.store_field:
            kwargs["queryset"] = Store.objects.visible_to(request.user).filter(is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # The stock admin redirects to the index; a row of another store must look absent.
        raise Http404(_("Not found."))


class TransitionHistoryInline(admin.TabularInline):
    """Who moved the object from where to where, when, via what, and why."""

    fields = (
        "created_at",
        "source_label",
        "target_label",
        "action",
        "actor",
        "via",
        "reason",
        "comment",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = gettext_lazy("history entry")
    verbose_name_plural = gettext_lazy("History")
    ordering = ("-created_at", "-pk")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def _state_label(self, value: str) -> str:
        field = self.parent_model._meta.get_field(self.parent_model.STATE_FIELD)
        return dict(field.flatchoices).get(value, value or "—")

    @admin.display(description=gettext_lazy("from"))
    def source_label(self, obj) -> str:
        return self._state_label(obj.source)

    @admin.display(description=gettext_lazy("to"))
    def target_label(self, obj) -> str:
        return self._state_label(obj.target)

    @admin.display(description=gettext_lazy("action"))
    def action(self, obj) -> str:
        if obj.name == "create":
            return _("created")
        return transition_label(self.parent_model, obj.name)


class TransitionAdminMixin(FSMAdminMixin):
    """Transition buttons of django-fsm-2, run through our services.

    The buttons show only what this user may run from this state (the mixin filters by
    condition and permission). Every POSTed transition is checked again on the server: the
    permission before anything is saved (django-fsm-2 4.2.4 does not check it), then state,
    conditions and permission under a row lock inside the service.
    """

    #: name of the transition → service(<obj>_id, actor, via, expected_state, **form data)
    transition_services: dict[str, Callable[..., Any]] = {}
    object_id_kwarg = "order_id"
    fsm_transition_success_msg = gettext_lazy("Done: «{transition_name}».")

    def get_fsm_block_label(self, fsm_field_name: str) -> str:
        return _("Actions")

    def _may_run_transitions(self, request) -> bool:
        opts = self.model._meta
        return any(
            request.user.has_perm(f"{opts.app_label}.{name}_{opts.model_name}")
            for name in self.transition_services
        )

    def has_change_permission(self, request, obj=None) -> bool:
        # A warehouse user may move an order along without being allowed to edit it: the page
        # must accept their button's POST; every field is read-only for them (below).
        return super().has_change_permission(request, obj) or self._may_run_transitions(request)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not super().has_change_permission(request, obj):
            editable = flatten_fieldsets(self.get_fieldsets(request, obj))
            fields += [f for f in editable if f not in fields and f != "version_seen"]
        return fields

    def change_view(self, request, object_id, form_url="", extra_context=None):
        name = request.POST.get(self.fsm_post_param) if request.method == "POST" else None
        if name:
            obj = self.get_object(request, object_id)
            if obj is None:
                raise Http404(_("Not found."))
            method = getattr(obj, name, None)
            if not hasattr(method, "_django_fsm") or name not in self.transition_services:
                raise PermissionDenied
            # A transition no longer possible from the current state is left to the service,
            # which explains it; one the user may never run is refused before anything is saved.
            transition = method._django_fsm.get_transition(obj.state)
            if transition is not None and not transition.has_perm(obj, request.user):
                raise PermissionDenied
        return super().change_view(request, object_id, form_url, extra_context)

    def fsm_transition_view(self, request, object_id, transition_name, **kwargs):
        # django-fsm-2 fails with a 500 on a name that is not a transition of the model.
        if transition_name not in self.transition_services:
            raise Http404(_("Not found."))
        seen = request.POST.get("version_seen", "") if request.method == "POST" else ""
        obj = self.get_object(request, object_id)
        if obj is not None and seen.isdigit() and int(seen) != obj.version:
            self.message_user(request, STALE_MESSAGE, messages.ERROR)
            opts = self.model._meta
            return redirect(f"admin:{opts.app_label}_{opts.model_name}_change", object_id=obj.pk)
        return super().fsm_transition_view(request, object_id, transition_name, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)

    def _apply_fsm_transition(
        self, *, obj: StagedModel, transition_name: str, request, kwargs=None
    ) -> bool:
        service = self.transition_services.get(transition_name)
        label = transition_label(obj, transition_name)
        if service is None:
            self.message_user(request, _("Unknown action."), messages.ERROR)
            return False
        try:
            service(
                **{self.object_id_kwarg: obj.pk},
                actor=request.user,
                via="admin",
                expected_state=obj.state,
                **(kwargs or {}),
            )
        except (TransitionError, ValidationError) as exc:
            text = join_messages(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            if transaction.get_connection().in_atomic_block:
                # The change form was saved before its button ran: a refused button must leave
                # the order exactly as it was, edits included (ATOMIC_REQUESTS wraps the request).
                transaction.set_rollback(True)
                text = " ".join([text, _("Nothing was saved.")])
            self.message_user(request, text, messages.ERROR)
            return False
        self.message_user(
            request, self.fsm_transition_success_msg.format(transition_name=label), messages.SUCCESS
        )
        return True


def join_messages(messages: list[str]) -> str:
    """«Not enough stock.» + «HOME-PAN: need 3» → one line, with «;» only between fragments."""
    text = ""
    for message in messages:
        if text:
            text += " " if text.endswith((".", "!", "?", ":")) else "; "
        text += message
    return text


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "beat_at", "hostname")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


from . import admin_models  # noqa: E402,F401  (registers the automation pages)
