"""Accounts that a directory or an identity provider keeps: which one, and under what id."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    LDAP = "ldap", _("LDAP directory")
    OIDC = "oidc", _("OpenID Connect")


class ExternalIdentity(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="external_identities",
        verbose_name=_("user"),
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    external_id = models.CharField(_("identifier at the source"), max_length=500)
    synced_at = models.DateTimeField(_("last update from the source"), default=timezone.now)

    class Meta:
        verbose_name = _("external identity")
        verbose_name_plural = _("external identities")
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="one_user_per_identity")
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.external_id}"
