from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "sso"
    verbose_name = _("Single sign-on and directories")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sso import extensions, ldap

        ldap.connect()
        extensions.register()
