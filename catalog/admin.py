from datetime import time

from django import forms
from django.contrib import admin
from django.db.models import Sum
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from .models import Product, StockLevel, Store, Warehouse

WEEKDAYS = [
    ("0", _("Mon")),
    ("1", _("Tue")),
    ("2", _("Wed")),
    ("3", _("Thu")),
    ("4", _("Fri")),
    ("5", _("Sat")),
    ("6", _("Sun")),
]


class HttpsURLField(forms.URLField):
    """A URL typed without a scheme is taken as https:// (Django 6's default, said now)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)


class StoreForm(forms.ModelForm):
    work_days = forms.MultipleChoiceField(
        label=_("working days"), choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Store
        fields = [
            "name",
            "code",
            "api_secret",
            "callback_url",
            "is_active",
            "work_start",
            "work_end",
            "work_days",
            "observe_holidays",
            "members",
        ]
        field_classes = {"callback_url": HttpsURLField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["work_days"] = list(self.instance.work_days or "")

    def clean_work_days(self) -> str:
        return "".join(sorted(self.cleaned_data["work_days"]))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("work_start"), cleaned.get("work_end")
        if start and end and end != time(0) and end <= start:  # 00:00 is midnight
            raise forms.ValidationError(_("Work must end after it starts."))
        return cleaned


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    """Staff who may only view stores (managers, the warehouse) see the stores they work for,
    and never the API secret: it signs the store's orders, so whoever reads it can send orders
    and webhooks in the store's name. Only who may edit the store (the administrator) sees it."""

    form = StoreForm
    list_display = ("name", "code", "work_start", "work_end", "is_active")
    search_fields = ("name", "code")
    filter_horizontal = ("members",)
    prepopulated_fields = {"code": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if self.has_change_permission(request, obj):
            return fields
        return [field for field in fields if field != "api_secret"]

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # As for deals and orders: a store one does not work for looks absent.
        raise Http404(_("Not found."))


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "address", "priority", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code", "address")


class StockLevelInline(admin.TabularInline):
    model = StockLevel
    fields = ("warehouse", "quantity", "reserved", "available")
    readonly_fields = ("available",)
    extra = 0

    @admin.display(description=_("available"))
    def available(self, obj: StockLevel) -> int:
        return obj.available


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("sku", "name", "price", "vat_rate", "stock_total", "is_active", "needs_review")
    list_filter = ("is_active", "needs_review", "vat_rate")
    search_fields = ("sku", "name", "external_id")
    inlines = [StockLevelInline]
    fieldsets = (
        (None, {"fields": ("sku", "name", "price", "vat_rate", "is_active", "needs_review")}),
        (
            _("Parcel"),
            {"fields": ("weight_grams", ("length_cm", "width_cm", "height_cm"))},
        ),
        (_("Attributes"), {"fields": ("attributes",)}),
        (_("1C"), {"fields": ("external_id", "onec_synced_at")}),
    )
    readonly_fields = ("onec_synced_at",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_stock_total=Sum("stock_levels__quantity"))

    @admin.display(description=_("in stock"), ordering="_stock_total")
    def stock_total(self, obj: Product) -> int:
        return obj._stock_total or 0


@admin.register(StockLevel)
class StockLevelAdmin(admin.ModelAdmin):
    list_display = ("product", "warehouse", "quantity", "reserved")
    list_filter = ("warehouse",)
    search_fields = ("product__sku", "product__name")
    list_select_related = ("product", "warehouse")
    autocomplete_fields = ("product",)
