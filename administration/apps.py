from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdministrationConfig(AppConfig):
    name = "administration"
    verbose_name = _("Settings")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from administration import extensions

        extensions.register()
