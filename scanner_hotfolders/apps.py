from __future__ import annotations

from django.apps import AppConfig


class ScannerHotfoldersConfig(AppConfig):
    name = "scanner_hotfolders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from scanner_hotfolders import extensions, watcher

        watcher.register_source_hooks()
        extensions.register()
