"""«Write as a customer»: the sandbox sends our own messenger webhook, signed, in the
platform's real format, so the demo shows the whole path to a deal."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ...errors import IntegrationError
from ...http import call
from ..customer import DEFAULT_SENDERS, PLATFORMS, customer_writes

PLATFORM_LABELS = {"telegram": "Telegram", "whatsapp": "WhatsApp", "vk": "VK", "viber": "Viber"}


class CustomerMessageForm(forms.Form):
    platform = forms.ChoiceField(
        label=gettext_lazy("Messenger"), choices=[(p, PLATFORM_LABELS[p]) for p in PLATFORMS]
    )
    sender_id = forms.CharField(
        label=gettext_lazy("Customer id"),
        required=False,
        help_text=gettext_lazy(
            "Empty: the usual test customer of the messenger. WhatsApp: the phone in "
            "international digits; Telegram and VK: a number."
        ),
    )
    name = forms.CharField(label=gettext_lazy("Name"), required=False, initial="Иван Петров")
    text = forms.CharField(label=gettext_lazy("Text"), widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        cleaned = super().clean()
        platform = cleaned.get("platform")
        if platform:
            sender = (cleaned.get("sender_id") or "").strip() or DEFAULT_SENDERS[platform]
            if platform in ("telegram", "vk", "whatsapp") and not sender.isdigit():
                raise forms.ValidationError(_("This messenger's customer id is a number."))
            cleaned["sender_id"] = sender
        return cleaned


# Not inside the request transaction: the webhook below is our own server, which must be able
# to write (on SQLite, to take the write lock) while this request waits for its answer.
@transaction.non_atomic_requests
def customer(request: HttpRequest) -> HttpResponse:
    """GET: the form; POST: send the customer's message as the chosen messenger would."""
    form = CustomerMessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        webhook = customer_writes(
            platform=data["platform"],
            sender_id=data["sender_id"],
            name=data["name"],
            text=data["text"],
        )
        url = f"{settings.SITE_URL.rstrip('/')}{webhook.path}"
        try:
            response = call(
                "POST",
                url,
                provider=f"{data['platform']}-webhook",
                data=webhook.body,
                headers={"Content-Type": "application/json", **webhook.headers},
            )
        except IntegrationError as e:
            messages.warning(
                request, _("The webhook refused the message: %(error)s") % {"error": e}
            )
        else:
            messages.success(
                request,
                _("Sent as %(platform)s; the webhook answered “%(answer)s”.")
                % {"platform": PLATFORM_LABELS[data["platform"]], "answer": response.text[:50]},
            )
        return redirect("sandbox:customer")
    return render(request, "sandbox/customer.html", {"form": form})
