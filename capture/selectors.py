"""Read queries for capture screens."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from capture.models import CaptureInput, InputStatus
from courrier.models import User


def _operator_inputs(user: User, *statuses: str) -> QuerySet[CaptureInput]:
    """Inputs in these states, for those who handle capture errors."""
    if not user.has_perm("capture.view_captureinput"):
        raise PermissionDenied
    return CaptureInput.objects.filter(status__in=statuses)


def failed_inputs(user: User) -> QuerySet[CaptureInput]:
    return _operator_inputs(user, InputStatus.ERROR).order_by("-received_at")


def set_aside_inputs(user: User) -> QuerySet[CaptureInput]:
    return _operator_inputs(user, InputStatus.SET_ASIDE).order_by("-received_at")


def handled_inputs(user: User) -> QuerySet[CaptureInput]:
    """The inputs an operator may retry or download: failed or set aside."""
    return _operator_inputs(user, InputStatus.ERROR, InputStatus.SET_ASIDE)


def my_recent_uploads(user: User, ids: list[int]) -> QuerySet[CaptureInput]:
    """Inputs the user uploaded, with their mails, for the upload result page."""
    return (
        CaptureInput.objects.filter(pk__in=ids, created_by=user)
        .prefetch_related("mails__mail")
        .order_by("pk")
    )
