"""Statistics keep no table of their own yet: they are read from the mail; this model only
carries who may see them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StatisticsAccess(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        verbose_name = _("access to statistics")
        permissions = [
            ("view_statistics", _("Can see the statistics of their entities and below")),
            ("view_organisation_statistics", _("Can see the statistics of the organisation")),
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
