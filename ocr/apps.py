from __future__ import annotations

from django.apps import AppConfig


class OcrConfig(AppConfig):
    name = "ocr"
    default_auto_field = "django.db.models.BigAutoField"
