from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("REST API")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from api import extensions, schema, tokens, webhooks  # noqa: F401 - schema registers

        webhooks.connect()
        tokens.connect()
        extensions.register()

        from api import personal_places

        personal_places.register()
