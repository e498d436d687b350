from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Contacts for alerts"), {"fields": ("phone", "telegram_chat_id")}),
    )
    list_display = ("username", "get_full_name", "email", "role", "is_active")
    list_filter = ("groups", "is_active", "is_staff")

    @admin.display(description=_("role"))
    def role(self, obj: User) -> str:
        return ", ".join(group.name for group in obj.groups.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")
