from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .validators import normalize_email, normalize_phone, validate_inn, validate_kpp


class Contact(models.Model):
    """A customer: a person who orders, or the contact person of a company."""

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
