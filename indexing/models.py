"""Saved searches: a user's named query string."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SavedSearch(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_searches",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    query_string = models.CharField(max_length=2000, verbose_name=_("query string"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="unique_saved_search")]

    def __str__(self) -> str:
        return self.name


class MailSearchEntry(models.Model):
    """PostgreSQL backend: the mail's weighted tsvector, kept in the mail's own transaction."""

    mail = models.OneToOneField(
        "courrier.Mail",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="search_entry",
        verbose_name=_("mail"),
    )
    vector = SearchVectorField(null=True, verbose_name=_("vector"))

    class Meta:
        verbose_name = _("mail search entry")

    def __str__(self) -> str:
        return f"search entry of {self.mail_id}"
