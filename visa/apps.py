from __future__ import annotations

from django.apps import AppConfig


class VisaConfig(AppConfig):
    name = "visa"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from visa import extensions, subscribers

        subscribers.connect()
        extensions.register()
