from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchivesConfig(AppConfig):
    name = "archives"
    verbose_name = _("Archives")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from archives import extensions

        extensions.register()

        from archives import personal_places

        personal_places.register()
