from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CourrierConfig(AppConfig):
    name = "courrier"
    verbose_name = _("Mail")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from courrier import checks  # noqa: F401  (registers system checks)
        from courrier.roles import sync_roles_and_baskets

        post_migrate.connect(sync_roles_and_baskets, sender=self)
