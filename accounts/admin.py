from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .lockout import LockoutAuthenticationForm
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


# Failed logins are limited (accounts.lockout); a refused attempt answers 429 with Retry-After.
admin.site.login_form = LockoutAuthenticationForm
_stock_login = admin.site.login


def _login(request, extra_context=None):
    response = _stock_login(request, extra_context)
    wait = getattr(request, "login_retry_after", None)
    if wait is not None:
        response.status_code = 429
        response["Retry-After"] = str(wait)
    return response


admin.site.login = _login
