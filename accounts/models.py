from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A member of staff: manager, warehouse user, team lead or administrator.

    Their role is their group (created by a migration in `orders`); the stores they work for are
    `catalog.Store.members`.
    """

    phone = models.CharField(_("phone"), max_length=20, blank=True)
    telegram_chat_id = models.CharField(
        _("Telegram chat id"),
        max_length=64,
        blank=True,
        help_text=_("Where alerts for this user are sent in Telegram."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username
