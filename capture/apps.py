from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaptureConfig(AppConfig):
    name = "capture"
    verbose_name = _("Capture")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from capture import extensions

        # Source adapters register how their inputs are acknowledged or set aside.
        from capture.sources.imap import (
            acknowledgments,
            poller,  # noqa: F401
        )
        from capture.sources.webform import services  # noqa: F401

        extensions.register()

        from capture import personal_places

        personal_places.register()
        acknowledgments.connect()
