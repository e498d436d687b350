from __future__ import annotations

import re
from collections.abc import Mapping

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from .validators import normalize_email, normalize_phone, validate_inn, validate_kpp


class CustomerSegment(models.TextChoices):
    """Where a customer stands, from their issued orders (rules: docs/segments.md)."""

    NEW = "new", _("New")
    ACTIVE = "active", _("Active")
    REPEAT = "repeat", _("Repeat")
    LAPSED = "lapsed", _("Lapsed")


class Contact(models.Model):
    """A customer: a person who orders, or the contact person of a company."""

    Segment = CustomerSegment

    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    phone = models.CharField(
        _("phone"), max_length=20, blank=True, help_text=_("Stored in E.164: +79991234567.")
    )
    email = models.EmailField(_("e-mail"), blank=True)
    telegram_id = models.CharField(_("Telegram id"), max_length=64, blank=True)
    whatsapp_id = models.CharField(_("WhatsApp id"), max_length=64, blank=True)
    viber_id = models.CharField(_("Viber id"), max_length=64, blank=True)
    vk_id = models.CharField(_("VK id"), max_length=64, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # Purchase figures: computed from the orders by orders.segments (when an order is issued
    # or returned, and nightly), never typed in. Definitions: docs/segments.md.
    orders_count = models.PositiveIntegerField(_("orders"), default=0, editable=False)
    issued_orders_count = models.PositiveIntegerField(_("issued orders"), default=0, editable=False)
    total_spent = models.DecimalField(
        _("total spent"), max_digits=14, decimal_places=2, default=0, editable=False
    )
    average_order = models.DecimalField(
        _("average order"), max_digits=14, decimal_places=2, null=True, blank=True, editable=False
    )
    last_order_at = models.DateTimeField(_("last purchase"), null=True, blank=True, editable=False)
    segment = models.CharField(
        _("segment"),
        max_length=16,
        choices=CustomerSegment.choices,
        default=CustomerSegment.NEW,
        editable=False,
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, editable=False, help_text=_("1 to 5 stars.")
    )
    stats_updated_at = models.DateTimeField(
        _("figures updated"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-created_at"]
        constraints = [
            # One customer, one card: the phone is how we recognise a returning customer, and the
            # constraint makes two simultaneous requests from the same number find one contact.
            models.UniqueConstraint(
                fields=["phone"],
                condition=~Q(phone=""),
                name="contact_unique_phone",
                violation_error_message=_("A contact with this phone number already exists."),
            ),
            # A messenger account is one person: a second card for it would split the
            # conversation, and two simultaneous first messages must find one contact.
            *(
                models.UniqueConstraint(
                    fields=[field],
                    condition=~Q(**{field: ""}),
                    name=f"contact_unique_{field}",
                    violation_error_message=_(
                        "A contact with this messenger account already exists."
                    ),
                )
                for field in ("telegram_id", "whatsapp_id", "viber_id", "vk_id")
            ),
            models.CheckConstraint(
                condition=~Q(full_name="", phone="", email="")
                | ~Q(telegram_id="", whatsapp_id="", viber_id="", vk_id=""),
                name="contact_identifiable",
                violation_error_message=_(
                    "Fill in at least a name, a phone, an e-mail or a messenger id."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["email"], name="contact_email"),
            models.Index(fields=["telegram_id"], name="contact_telegram"),
            models.Index(fields=["whatsapp_id"], name="contact_whatsapp"),
            models.Index(fields=["segment"], name="contact_segment"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.phone or self.email or f"#{self.pk}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        for field, normalize in (("phone", normalize_phone), ("email", normalize_email)):
            try:
                setattr(self, field, normalize(getattr(self, field)))
            except ValidationError as exc:
                errors[field] = exc.messages
        # One customer, one card: name the card that already has this phone or e-mail, so the
        # manager opens it instead of starting a second history.
        for field in ("phone", "email"):
            value = getattr(self, field)
            if field in errors or not value:
                continue
            twin = Contact.objects.filter(**{field: value}).exclude(pk=self.pk).first()
            if twin is not None:
                errors[field] = _("Already on the card of “%(contact)s” (#%(id)s).") % {
                    "contact": twin,
                    "id": twin.pk,
                }
        if errors:
            raise ValidationError(errors)


class Company(models.Model):
    """A legal entity or sole trader that buys by invoice."""

    name = models.CharField(_("name"), max_length=300)
    inn = models.CharField(_("INN"), max_length=12, validators=[validate_inn])
    kpp = models.CharField(_("KPP"), max_length=9, blank=True, validators=[validate_kpp])
    legal_address = models.CharField(_("legal address"), max_length=500, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    contacts = models.ManyToManyField(
        Contact, verbose_name=_("contact persons"), related_name="companies", blank=True
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="companies",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]
        constraints = [
            # Branches share the INN and differ by KPP.
            models.UniqueConstraint(fields=["inn", "kpp"], name="company_unique_inn_kpp"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (ИНН {self.inn})"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if len(self.inn) == 10 and not self.kpp:
            raise ValidationError({"kpp": _("A company with a 10-digit INN must have a KPP.")})
        if len(self.inn) == 12 and self.kpp:
            raise ValidationError({"kpp": _("A sole trader (12-digit INN) must not have a KPP.")})
        try:
            self.phone = normalize_phone(self.phone)
        except ValidationError as exc:
            raise ValidationError({"phone": exc.messages}) from exc


#: The placeholders a message template may use, with what each one stands for. Callers pass
#: the values in `MessageTemplate.render(context)`; an unknown name is refused when the template
#: is saved, so a typo cannot reach a customer as "{oder_number}".
PLACEHOLDERS: dict[str, Promise] = {
    "order_number": _("order number"),
    "total": _("order total, roubles"),
    "payment_link": _("payment link"),
    "pickup_point": _("pickup point address"),
    "tracking_number": _("tracking number"),
    "customer_name": _("customer's name"),
    "store_name": _("store name"),
    "manager_name": _("manager's name"),
}

# "{{" and "}}" are literal braces (as in str.format); "{...}" without inner braces is a
# placeholder; any other brace is unmatched.
_TEMPLATE_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def _template_pieces(text: str) -> list[tuple[str, str | None]]:
    """Split `text` into (literal, placeholder) pairs; placeholder is None for a literal only.

    Raises ValidationError naming every bad placeholder: unknown names, attribute or index
    access ({order.number}, {items[0]}), format specs and conversions ({total:.2f}, {total!r}),
    empty braces and unmatched braces.
    """
    pieces: list[tuple[str, str | None]] = []
    unknown, access, formats, unmatched = [], [], [], []
    position = 0
    for match in _TEMPLATE_TOKEN.finditer(text):
        literal = text[position : match.start()]
        position = match.end()
        token = match.group(0)
        if token in ("{{", "}}"):
            pieces.append((literal + token[0], None))
            continue
        if match.group(1) is None:
            # A lone brace: quote a little of the text around it so the author can find it.
            unmatched.append(text[max(match.start() - 10, 0) : match.end() + 10].strip())
            pieces.append((literal, None))
            continue
        name = match.group(1)
        field = re.split(r"[:!]", name, maxsplit=1)[0]
        if "." in field or "[" in field:
            access.append(token)
        elif field != name:
            formats.append(token)
        elif name not in PLACEHOLDERS:
            unknown.append(token)
        pieces.append((literal, name))
    pieces.append((text[position:], None))

    errors = []
    if unknown:
        errors.append(
            ValidationError(
                _("Unknown placeholders: %(names)s. Allowed: %(allowed)s."),
                code="unknown_placeholder",
                params={
                    "names": ", ".join(unknown),
                    "allowed": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
                },
            )
        )
    if access:
        errors.append(
            ValidationError(
                _("Placeholders cannot use attributes or indexes: %(names)s."),
                code="placeholder_access",
                params={"names": ", ".join(access)},
            )
        )
    if formats:
        errors.append(
            ValidationError(
                _("Placeholders cannot have a format: %(names)s. Write just the name in braces."),
                code="placeholder_format",
                params={"names": ", ".join(formats)},
            )
        )
    if unmatched:
        errors.append(
            ValidationError(
                _(
                    "Unmatched brace near %(places)s. A placeholder is a name in braces, "
                    "e.g. {order_number}; write {{ or }} for a brace itself."
                ),
                code="unmatched_brace",
                params={"places": ", ".join(f"“{place}”" for place in unmatched)},
            )
        )
    if errors:
        raise ValidationError(errors)
    return pieces


def check_placeholders(text: str) -> None:
    """Raise ValidationError naming every placeholder of `text` that cannot be rendered."""
    _template_pieces(text)


def render_placeholders(text: str, context: Mapping[str, object]) -> str:
    """Fill the placeholders of `text` from `context`.

    A missing or None value renders as an empty string; other values as `str(value)`, so a
    Decimal keeps the form it was given in ("1500.00"). Extra keys are ignored. Raises
    ValidationError if `text` has a bad placeholder (see `check_placeholders`).
    """
    out = []
    for literal, name in _template_pieces(text):
        out.append(literal)
        if name is not None:
            value = context.get(name)
            out.append("" if value is None else str(value))
    return "".join(out)


class MessageTemplate(models.Model):
    """A text the team lead writes once and triggers and managers send to customers."""

    code = models.SlugField(
        _("code"), unique=True, help_text=_("How triggers and the code refer to the template.")
    )
    name = models.CharField(_("name"), max_length=200)
    text = models.TextField(_("text"))
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("An inactive template is not sent.")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name or self.code

    def clean(self) -> None:
        try:
            check_placeholders(self.text)
        except ValidationError as exc:
            raise ValidationError({"text": exc.error_list}) from exc

    def render(self, context: Mapping[str, object]) -> str:
        """The text with its placeholders filled from `context` (see `render_placeholders`)."""
        return render_placeholders(self.text, context)


class Message(models.Model):
    """One message of the conversation with a customer, in or out, over any channel.

    Outbound messages are created `queued` by `contacts.messaging.message_send` and moved on by
    the delivery task and the providers' status callbacks:
    queued → sending → sent → delivered, or failed («не доставлено», the provider refused or
    could not deliver) or error (we gave up after the retries).
    """

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        TELEGRAM = "telegram", "Telegram"
        WHATSAPP = "whatsapp", "WhatsApp"
        VIBER = "viber", "Viber"
        VK = "vk", _("VK")

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", _("outbound")
        INBOUND = "inbound", _("inbound")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("not delivered")
        ERROR = "error", _("error")

    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        # The conversation is the customer's personal data: it goes with the card.
        on_delete=models.CASCADE,
        related_name="messages",
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    recipient = models.CharField(
        _("recipient"),
        max_length=64,
        blank=True,
        help_text=_("Phone, chat or user id the message went to (or came from)."),
    )
    direction = models.CharField(
        _("direction"), max_length=16, choices=Direction.choices, default=Direction.OUTBOUND
    )
    text = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    provider_message_id = models.CharField(
        _("provider's message id"), max_length=100, blank=True, db_index=True
    )
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    idempotency_key = models.CharField(
        _("idempotency key"),
        max_length=200,
        unique=True,
        null=True,
        blank=True,
        help_text=_("The same key never sends a second message."),
    )
    content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("about (type)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    object_id = models.PositiveBigIntegerField(_("about (id)"), null=True, blank=True)
    subject = GenericForeignKey("content_type", "object_id")
    template_code = models.CharField(_("template"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    #: When a worker took the message to send it; a "sending" row claimed long ago belongs to a
    #: worker that died, and may be claimed again.
    claimed_at = models.DateTimeField(_("taken for sending"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    #: When a manager saw an inbound message (opened its deal); None: unread.
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # An outbound message without a key could be sent twice by a retried task.
            models.CheckConstraint(
                condition=Q(direction="inbound") | Q(idempotency_key__isnull=False),
                name="message_outbound_has_key",
            ),
        ]
        indexes = [
            models.Index(fields=["contact", "created_at"], name="message_contact_created"),
            models.Index(fields=["content_type", "object_id"], name="message_subject"),
            # The sweep's look for lost deliveries reads only the few unfinished rows.
            models.Index(
                fields=["created_at"],
                condition=Q(status__in=["queued", "sending"]),
                name="message_pending",
            ),
            # Unread counts of the deal list read only the few unread inbound rows.
            models.Index(
                fields=["content_type", "object_id"],
                condition=Q(direction="inbound", read_at__isnull=True),
                name="message_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.contact}: {Truncator(self.text).chars(40)}"
