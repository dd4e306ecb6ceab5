from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo town hall: sits on top of every app, so that it may set each of them up."""

    name = "demo"
    verbose_name = _("Demo organisation")
    default_auto_field = "django.db.models.BigAutoField"
