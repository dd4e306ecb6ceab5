"""The organisation: entity tree, users and their entities."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext_lazy as _


class EntityType(models.TextChoices):
    DIRECTION = "direction", _("Direction")
    SERVICE = "service", _("Service")
    OFFICE = "office", _("Office")


class Entity(models.Model):
    """A node of the organisation tree (direction, service, office)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    label = models.CharField(_("label"), max_length=200)
    short_label = models.CharField(_("short label"), max_length=60, blank=True)
    entity_type = models.CharField(
        _("type"), max_length=16, choices=EntityType.choices, default=EntityType.SERVICE
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.TextField(_("postal address"), blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent entity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("entity")
        verbose_name_plural = _("entities")
        # By the name lists show (the short label when there is one).
        ordering = [Coalesce(NullIf("short_label", Value("")), "label"), "label"]

    def __str__(self) -> str:
        return self.short_label or self.label


class Role:
    """Role names; each is a Django group carrying its permissions (see courrier.roles)."""

    CLERK = "clerk"
    AGENT = "agent"
    MANAGER = "manager"
    ARCHIVIST = "archivist"
    ADMINISTRATOR = "administrator"
    ELECTED = "elected"  # reads statistics, never mail
    ALL = (CLERK, AGENT, MANAGER, ARCHIVIST, ADMINISTRATOR, ELECTED)
    LABELS = {
        CLERK: _("Mail-room clerk"),
        AGENT: _("Agent"),
        MANAGER: _("Manager"),
        ARCHIVIST: _("Archivist"),
        ADMINISTRATOR: _("Administrator"),
        ELECTED: _("Elected official"),
    }


class User(AbstractUser):
    """A Bannette user: one primary entity, possibly other entities."""

    primary_entity = models.ForeignKey(
        Entity,
        verbose_name=_("primary entity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="primary_users",
    )
    entities = models.ManyToManyField(
        Entity, verbose_name=_("other entities"), blank=True, related_name="members"
    )
    language = models.CharField(
        _("language of e-mails"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="fr",
    )
    # Filters, sort and page size last used on each basket (courrier.basket_lists).
    list_settings = models.JSONField(
        default=dict, blank=True, editable=False, verbose_name=_("list settings")
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username
