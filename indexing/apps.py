from __future__ import annotations

from django.apps import AppConfig


class IndexingConfig(AppConfig):
    name = "indexing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from indexing import extensions, subscribers

        subscribers.connect()
        extensions.register()

        from indexing import personal_places

        personal_places.register()
