from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete


def _forget_deleted_mail(sender: type, instance: Any, **kwargs: Any) -> None:
    """A deleted mail leaves the index too (PostgreSQL's entry goes with it by cascade)."""
    from indexing.services import schedule_indexing

    schedule_indexing(instance.pk)


class IndexingConfig(AppConfig):
    name = "indexing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_delete.connect(
            _forget_deleted_mail, sender="courrier.Mail", dispatch_uid="indexing_forget_mail"
        )
