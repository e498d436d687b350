from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from catalog.models import Store, user_sees_all_stores


class ResponsibleFilter(admin.SimpleListFilter):
    """Mine / nobody's / a given manager: the first thing a manager narrows the list by."""

    title = _("manager")
    parameter_name = "responsible"

    def lookups(self, request, model_admin):
        users = get_user_model().objects.filter(is_active=True, is_staff=True)
        if not user_sees_all_stores(request.user):
            users = users.filter(stores__in=Store.objects.filter(members=request.user))
        return [
            ("me", _("Mine")),
            ("none", _("Unassigned (queue)")),
            *((str(u.pk), str(u)) for u in users.distinct()),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "me":
            return queryset.filter(responsible=request.user)
        if value == "none":
            return queryset.filter(responsible__isnull=True)
        if value and value.isdigit():
            return queryset.filter(responsible_id=int(value))
        return queryset
