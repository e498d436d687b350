from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Company, Contact
from .validators import try_normalize_phone


class PhoneSearchMixin:
    """Lets a manager search by the phone as the customer dictates it: "8 999 123-45-67"."""

    phone_search_field = "phone"

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        phone = try_normalize_phone(search_term)
        if phone:
            results |= queryset.filter(**{self.phone_search_field: phone})
        return results, may_have_duplicates


@admin.register(Contact)
class ContactAdmin(PhoneSearchMixin, admin.ModelAdmin):
    list_display = ("__str__", "phone", "email", "responsible", "created_at")
    list_filter = ("responsible",)
    search_fields = ("full_name", "phone", "email", "telegram_id", "whatsapp_id", "vk_id")
    list_select_related = ("responsible",)
    fieldsets = (
        (None, {"fields": ("full_name", "phone", "email", "responsible", "comment")}),
        (_("Messengers"), {"fields": ("telegram_id", "whatsapp_id", "viber_id", "vk_id")}),
    )


@admin.register(Company)
class CompanyAdmin(PhoneSearchMixin, admin.ModelAdmin):
    list_display = ("name", "inn", "kpp", "phone", "responsible")
    search_fields = ("name", "inn", "phone", "email")
    autocomplete_fields = ("contacts",)
    list_select_related = ("responsible",)
