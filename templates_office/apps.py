from __future__ import annotations

from django.apps import AppConfig


class TemplatesOfficeConfig(AppConfig):
    name = "templates_office"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from templates_office import extensions, subscribers

        subscribers.connect()
        extensions.register()
