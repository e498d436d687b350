"""The conversation on the deal page, replies through the customer's messenger, unread counts.

A mixin for DealAdmin, so deals/admin.py stays about the deal itself. Reading and writing go
through contacts (contacts.inbox, contacts.messaging); nothing here decides business rules.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from contacts.exceptions import ContactError
from contacts.inbox import unread_messages
from contacts.messaging import CHANNEL_FIELDS, message_send
from contacts.models import Contact, Message

from .inbox import deal_conversation, deal_conversation_mark_read
from .models import Deal

#: How many of the latest messages the deal page shows.
CONVERSATION_SIZE = 50


def _unread_of_deals() -> QuerySet[Message]:
    return unread_messages(subject_type=ContentType.objects.get_for_model(Deal)).filter(
        object_id=OuterRef("pk")
    )


def with_unread_count(queryset: QuerySet[Deal]) -> QuerySet[Deal]:
    """Annotate `_unread`: the deal's inbound messages nobody has read, in one subquery."""
    counts = _unread_of_deals().order_by().values("object_id").annotate(n=Count("pk")).values("n")
    return queryset.annotate(_unread=Coalesce(Subquery(counts, output_field=IntegerField()), 0))


class UnreadFilter(admin.SimpleListFilter):
    """«Есть непрочитанные»: deals where the customer wrote and nobody has looked yet."""

    title = _("messages")
    parameter_name = "unread"

    def lookups(self, request, model_admin):
        return [("yes", _("Has unread"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(Exists(_unread_of_deals()))
        return queryset


class ReplyForm(forms.Form):
    """A reply to the customer: over which messenger, what, and the key of this very form."""

    reply_channel = forms.ChoiceField(label=_("Channel"))
    reply_text = forms.CharField(
        label=_("Reply"), widget=forms.Textarea(attrs={"rows": 3, "cols": 80}), required=True
    )
    #: Drawn when the page is shown: a double click or a resent form sends one message.
    reply_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, contact: Contact, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reply_channel"].choices = reachable_channels(contact)


def reachable_channels(contact: Contact) -> list[tuple[str, str]]:
    """The channels the contact can be written to: (code, label), messengers first."""
    return [
        (channel, Message.Channel(channel).label)
        for channel, field in CHANNEL_FIELDS.items()
        if (getattr(contact, field) or "").strip()
    ]


def reply_channel_for(deal: Deal, choices: list[tuple[str, str]]) -> str:
    """The channel the customer last wrote from, else the deal's channel, else the first one
    the contact can be reached by."""
    codes = [code for code, _label in choices]
    last_inbound = (
        Message.objects.filter(contact_id=deal.contact_id, direction=Message.Direction.INBOUND)
        .order_by("-created_at", "-pk")
        .values_list("channel", flat=True)
        .first()
    )
    for candidate in (last_inbound, deal.channel):
        if candidate in codes:
            return candidate
    return codes[0] if codes else ""


class DealConversationMixin:
    """The deal page shows the conversation with the deal's contact (every channel, newest
    last) and a reply form; opening the page marks the customer's messages read."""

    change_form_template = "deals/admin/deal_change_form.html"

    def get_urls(self):
        return [
            path(
                "<path:object_id>/reply/",
                self.admin_site.admin_view(self.reply_view),
                name="deals_deal_reply",
            ),
            *super().get_urls(),
        ]

    def may_reply(self, request, deal: Deal) -> bool:
        # Whoever may edit the deal talks to its customer; a viewer only reads.
        return admin.ModelAdmin.has_change_permission(self, request, deal)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        deal = self.get_object(request, unquote(object_id)) if object_id else None
        if deal is not None and deal.contact_id and request.method == "GET":
            conversation = list(
                deal_conversation(deal, request.user).order_by("-created_at", "-pk")[
                    :CONVERSATION_SIZE
                ]
            )[::-1]
            extra_context["conversation"] = conversation
            if self.may_reply(request, deal):
                # Read once seen by someone who works the deal (the list above keeps showing
                # which ones were new to them).
                deal_conversation_mark_read(deal, request.user)
                choices = reachable_channels(deal.contact)
                if choices:
                    extra_context["reply_form"] = ReplyForm(
                        contact=deal.contact,
                        initial={
                            "reply_channel": reply_channel_for(deal, choices),
                            "reply_key": uuid.uuid4(),
                        },
                    )
                    extra_context["reply_url"] = reverse("admin:deals_deal_reply", args=[deal.pk])
        return super().change_view(request, object_id, form_url, extra_context)

    def reply_view(self, request, object_id):
        """POST only, from the deal page: checked again here whatever the page showed."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        deal = self.get_object(request, unquote(object_id))
        if deal is None or deal.contact_id is None:
            raise Http404(gettext("Not found."))
        if not self.may_reply(request, deal):
            raise PermissionDenied
        form = ReplyForm(request.POST, contact=deal.contact)
        if not form.is_valid():
            errors = [e for field_errors in form.errors.values() for e in field_errors]
            self.message_user(request, " ".join(errors), messages.ERROR)
        else:
            data = form.cleaned_data
            try:
                message_send(
                    contact=deal.contact,
                    text=data["reply_text"],
                    idempotency_key=f"deal:{deal.pk}:reply:{data['reply_key']}",
                    subject=deal,
                    channel=data["reply_channel"],
                )
            except ContactError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("The reply is queued for %(channel)s.")
                    % {"channel": Message.Channel(data["reply_channel"]).label},
                    messages.SUCCESS,
                )
        url = reverse("admin:deals_deal_change", args=[deal.pk])
        return redirect(f"{url}#conversation")

    # Not sortable: sorting would count the unread messages of every deal of the list
    # (UnreadFilter finds the deals that have some).
    @admin.display(description=_("unread"))
    def unread_count(self, obj: Deal) -> str:
        count = getattr(obj, "_unread", 0)
        if not count:
            return ""
        return format_html(
            '<span class="status-badge unread" title="{}">{}</span>',
            gettext("unread messages"),
            count,
        )
