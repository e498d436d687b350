"""«Заказ по звонку»: the admin page a manager keeps open while the customer is on the line.

Step 1 (GET ?phone=…) finds the caller; step 2 (POST, same page) creates the deal, and with
«Создать и оформить заказ» places the order too. The page only checks the input and calls
`deals.phone_order`; a refusal re-shows the form with the errors and nothing is written.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _

from automation.exceptions import TransitionError
from catalog.models import Store
from contacts.validators import try_normalize_phone

from .phone_order import CallerLookup, phone_order_create, phone_order_lookup
from .phone_order_forms import ItemFormSet, PhoneLookupForm, PhoneOrderForm

#: The names of the two submit buttons; the second also places the order.
CREATE_BUTTON, PLACE_BUTTON = "_create", "_place"


class PhoneOrderAdminMixin:
    """Adds the page to DealAdmin, and its button next to «Добавить» on the deals list."""

    change_list_template = "deals/admin/deal_change_list.html"

    def get_urls(self):
        return [
            path(
                "phone-order/",
                self.admin_site.admin_view(self.phone_order_view),
                name="deals_deal_phone_order",
            ),
            *super().get_urls(),
        ]

    def phone_order_view(self, request: HttpRequest) -> HttpResponse:
        # Whoever may add deals may take a call; the store list limits them to their stores.
        if not self.has_add_permission(request):
            raise PermissionDenied
        user = request.user
        may_place = user.has_perm("deals.place_order_deal")
        lookup = None
        order_form = formset = None
        if request.method == "POST":
            place = PLACE_BUTTON in request.POST
            phone = try_normalize_phone(request.POST.get("phone", ""))
            if phone:
                lookup = phone_order_lookup(phone=phone, user=user)
            lookup_form = PhoneLookupForm(initial={"phone": request.POST.get("phone", "")})
            order_form = PhoneOrderForm(
                request.POST, user=user, contact=lookup and lookup.contact, place=place
            )
            formset = ItemFormSet(request.POST, prefix="items")
            if order_form.is_valid() and formset.is_valid():
                response = self._create(request, order_form, formset, place=place)
                if response is not None:
                    return response
        else:
            lookup_form = PhoneLookupForm(request.GET or None)
            if lookup_form.is_valid():
                lookup = phone_order_lookup(phone=lookup_form.cleaned_data["phone"], user=user)
                order_form = PhoneOrderForm(
                    user=user, contact=lookup.contact, initial=self._initial(lookup, user)
                )
                formset = ItemFormSet(prefix="items")

        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Phone order"),
            "lookup_form": lookup_form,
            "lookup": lookup,
            "form": order_form,
            "formset": formset,
            "may_place": may_place,
            "create_button": CREATE_BUTTON,
            "place_button": PLACE_BUTTON,
            "media": self.media,
        }
        if order_form is not None:
            context["media"] += order_form.media + formset.media
            context["head_groups"], context["tail_groups"] = _field_groups(order_form)
        return TemplateResponse(request, "deals/admin/phone_order.html", context)

    def _create(
        self, request: HttpRequest, form: PhoneOrderForm, formset: Any, *, place: bool
    ) -> HttpResponse | None:
        """Run the service; None (with the errors on the form) when it refuses."""
        data = form.cleaned_data
        try:
            result = phone_order_create(
                actor=request.user,
                store=data["store"],
                phone=data["phone"],
                full_name=data["full_name"],
                email=data["email"],
                company=form.company_details(),
                items=formset.item_specs(),
                terms=form.delivery_terms(),
                place=place,
            )
        except ValidationError as exc:  # DealError, ContactError
            _add_errors(form, exc)
            return None
        except TransitionError as exc:
            form.add_error(None, str(exc))
            return None
        deal = result.deal
        if result.order is not None:
            self.message_user(
                request,
                _("Order No. %(number)s is placed.") % {"number": result.order.number},
                messages.SUCCESS,
            )
            return redirect("admin:orders_order_change", result.order.pk)
        self.message_user(
            request, _("The deal «%(deal)s» is created.") % {"deal": deal}, messages.SUCCESS
        )
        return redirect("admin:deals_deal_change", deal.pk)

    def _initial(self, lookup: CallerLookup, user: Any) -> dict[str, Any]:
        """The phone, the only store of a one-store manager, and the delivery of the last deal:
        a repeat customer usually wants the goods where they had them last time."""
        initial: dict[str, Any] = {"phone": lookup.phone}
        stores = list(Store.objects.visible_to(user).filter(is_active=True)[:2])
        if len(stores) == 1:
            initial["store"] = stores[0].pk
        if lookup.recent_deals:
            last = lookup.recent_deals[0]
            initial.setdefault("store", last.store_id)
            for name in ("delivery_method", "delivery_address", "pickup_point_code"):
                initial[name] = getattr(last, name)
            initial["pickup_point"] = last.pickup_point_id
        return initial


FieldGroup = tuple[str, str, list[Any]]


def _field_groups(form: PhoneOrderForm) -> tuple[list[FieldGroup], list[FieldGroup]]:
    """(css class, heading, bound fields) of the fieldsets before and after the items, in the
    order the manager asks the customer."""
    return [
        ("customer", _("Customer"), [form["full_name"], form["email"], form["is_company"]]),
        ("company", _("Company"), [form["company_name"], form["inn"], form["kpp"]]),
        ("store", _("Store"), [form["store"]]),
    ], [
        (
            "delivery",
            _("Delivery and payment"),
            [
                form["delivery_method"],
                form["delivery_address"],
                form["pickup_point"],
                form["pickup_point_code"],
                form["payment_method"],
                form["comment"],
            ],
        ),
    ]


def _add_errors(form: PhoneOrderForm, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)
