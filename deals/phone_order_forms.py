"""Forms of the «Заказ по звонку» page: the phone, then the customer, items, delivery, payment.

They check what the manager typed and name the field at fault; the rules themselves (who the
customer is, what a complete delivery is) stay in the models and `deals.phone_order`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from catalog.models import Product, Store, Warehouse
from contacts.models import Company, Contact
from contacts.validators import normalize_email, normalize_phone

from .choices import DeliveryMethod, PaymentMethod
from .models import Deal, DealItem
from .phone_order import CompanyDetails, DeliveryTerms
from .services import ItemSpec

PHONE_PLACEHOLDER = "8 999 123-45-67"


class PhoneLookupForm(forms.Form):
    """Step 1: the number the customer called from or dictates, in any common format."""

    phone = forms.CharField(
        label=_("Customer's phone"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"placeholder": PHONE_PLACEHOLDER, "autofocus": True, "inputmode": "tel"}
        ),
    )

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])


class PhoneOrderForm(forms.Form):
    """Step 2: who buys, from which store, how it travels and is paid for.

    `contact` is the card found by the phone: its name and e-mail are shown as they are (a
    manager may have corrected them there) and only the blank ones can be filled in here.
    `place` is set when the manager asked to place the order right away: the delivery and the
    payment method must then be complete.
    """

    phone = forms.CharField(widget=forms.HiddenInput)
    full_name = forms.CharField(label=_("full name"), max_length=200, required=False)
    email = forms.CharField(label=_("e-mail"), max_length=254, required=False)
    is_company = forms.BooleanField(label=_("A legal entity buys"), required=False)
    company_name = forms.CharField(label=_("Company name"), max_length=300, required=False)
    inn = forms.CharField(label=_("INN"), max_length=12, required=False)
    kpp = forms.CharField(label=_("KPP"), max_length=9, required=False)
    store = forms.ModelChoiceField(label=_("store"), queryset=Store.objects.none())
    delivery_method = forms.ChoiceField(
        label=_("delivery"), choices=[("", "—"), *DeliveryMethod.choices], required=False
    )
    delivery_address = forms.CharField(label=_("delivery address"), max_length=500, required=False)
    pickup_point = forms.ModelChoiceField(
        label=_("our pickup point"),
        queryset=Warehouse.objects.filter(kind=Warehouse.Kind.PICKUP_POINT, is_active=True),
        required=False,
    )
    pickup_point_code = forms.CharField(
        label=_("CDEK pickup point code"), max_length=32, required=False
    )
    payment_method = forms.ChoiceField(
        label=_("payment"), choices=[("", "—"), *PaymentMethod.choices], required=False
    )
    comment = forms.CharField(
        label=_("comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(
        self,
        *args: Any,
        user: Any,
        contact: Contact | None = None,
        place: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.place = place
        for form_field in self.fields.values():
            # Field names are lower case (they are the models' verbose names); labels are not.
            form_field.label = capfirst(form_field.label)
        stores = Store.objects.visible_to(user).filter(is_active=True)
        self.fields["store"].queryset = stores
        self.fields["store"].error_messages["invalid_choice"] = _(
            "Choose one of the stores you work with."
        )
        if contact is not None:
            for name in ("full_name", "email"):
                if getattr(contact, name):
                    self.fields[name].disabled = True
                    self.fields[name].initial = getattr(contact, name)

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("is_company"):
            self._check_company(cleaned)
        draft = Deal(
            delivery_method=cleaned.get("delivery_method", ""),
            delivery_address=cleaned.get("delivery_address", ""),
            pickup_point=cleaned.get("pickup_point"),
            pickup_point_code=cleaned.get("pickup_point_code", ""),
        )
        if self.place:
            # What deal_has_delivery and deal_has_payment_method would refuse, by field.
            if not draft.delivery_method:
                self.add_error("delivery_method", _("Choose the delivery method."))
            for name, message in draft.delivery_errors().items():
                self.add_error(name, message)
            if not cleaned.get("payment_method"):
                self.add_error("payment_method", _("Choose a payment method."))
        else:
            try:
                draft.clean()  # a draft deal refuses only contradictions
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    self.add_error(name, messages)
        return cleaned

    def _check_company(self, cleaned: dict[str, Any]) -> None:
        inn = cleaned.get("inn", "").strip()
        kpp = cleaned.get("kpp", "").strip()
        name = cleaned.get("company_name", "").strip()
        if not name:
            self.add_error("company_name", _("Enter the company name."))
        if not inn:
            self.add_error("inn", _("Enter the INN."))
            return
        company = Company(name=name or "-", inn=inn, kpp=kpp)
        try:
            company.clean_fields(exclude=["name"])
            company.clean()
        except ValidationError as exc:
            for field_name, messages in exc.message_dict.items():
                target = field_name if field_name in ("inn", "kpp") else None
                self.add_error(target, messages)
        cleaned["inn"], cleaned["kpp"], cleaned["company_name"] = inn, kpp, name

    # --- what the service takes -----------------------------------------------------------

    def company_details(self) -> CompanyDetails | None:
        data = self.cleaned_data
        if not data.get("is_company"):
            return None
        return CompanyDetails(name=data["company_name"], inn=data["inn"], kpp=data["kpp"])

    def delivery_terms(self) -> DeliveryTerms:
        data = self.cleaned_data
        return DeliveryTerms(
            delivery_method=data["delivery_method"],
            delivery_address=data["delivery_address"].strip(),
            pickup_point=data["pickup_point"],
            pickup_point_code=data["pickup_point_code"].strip(),
            payment_method=data["payment_method"],
            comment=data["comment"].strip(),
        )


class ItemForm(forms.Form):
    """A line: the product from the catalogue (the admin's search), how many, at what price."""

    product = forms.ModelChoiceField(
        label=_("product"),
        queryset=Product.objects.all(),
        widget=AutocompleteSelect(DealItem._meta.get_field("product"), admin.site),
        required=False,
    )
    quantity = forms.IntegerField(label=_("quantity"), min_value=1, initial=1, required=False)
    price = forms.DecimalField(
        label=_("price"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        required=False,
        help_text=_("Empty: the catalogue price."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("product") is None:
            # A blank row is skipped, but a price typed without a product is a slip.
            if cleaned.get("price") is not None and "product" not in self.errors:
                self.add_error("product", _("Choose the product or clear the line."))
        elif not cleaned.get("quantity"):
            self.add_error("quantity", _("Enter the quantity."))
        return cleaned

    def item_spec(self) -> ItemSpec | None:
        product = self.cleaned_data.get("product")
        if product is None:
            return None
        data = self.cleaned_data
        return ItemSpec(sku=product.sku, quantity=data["quantity"], price=data["price"])


class BaseItemFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        if not self.item_specs():
            raise ValidationError(_("Add at least one item."), code="no_items")

    def item_specs(self) -> list[ItemSpec]:
        return [spec for form in self.forms if (spec := form.item_spec()) is not None]


ItemFormSet = forms.formset_factory(ItemForm, formset=BaseItemFormSet, extra=3, max_num=50)
