"""A deactivated account's tokens are revoked for good: reactivating the account gives none of
them back (its owner asks for new ones). Accounts are deactivated from several places (the
settings screens, the technical administration, the directory's synchronisation, service
accounts), so the rule hangs on the account being saved inactive, whichever path saved it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models.signals import post_save
from django.utils import timezone


def _revoke_when_deactivated(sender: type, instance: Any, **_: Any) -> None:
    if not instance.is_active:
        instance.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def connect() -> None:
    post_save.connect(
        _revoke_when_deactivated,
        sender=settings.AUTH_USER_MODEL,
        dispatch_uid="api_revoke_tokens_of_deactivated",
    )
