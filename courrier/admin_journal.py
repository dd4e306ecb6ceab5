"""The administration's changes go to the journal like every other change."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from courrier.services.journal import record_event


class JournaledAdminMixin:
    """Put first in an admin class's bases: creating, changing and deleting are journaled,
    with the names of the changed fields (never their values: some are secrets)."""

    def save_model(
        self, request: HttpRequest, obj: Model, form: ModelForm[Any], change: bool
    ) -> None:
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        record_event(
            action="admin.changed" if change else "admin.created",
            actor=request.user,  # type: ignore[arg-type]
            target=obj,
            details={"fields": sorted(form.changed_data)},
        )

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        _record_deletion(request, obj)
        super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset:
                _record_deletion(request, obj)
            super().delete_queryset(request, queryset)  # type: ignore[misc]


def _record_deletion(request: HttpRequest, obj: Model) -> None:
    record_event(
        action="admin.deleted",
        actor=request.user,  # type: ignore[arg-type]
        target=obj,
        details={"label": str(obj)[:200]},
    )
