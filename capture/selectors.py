"""Read queries for capture screens."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from capture.models import CaptureInput, InputStatus
from courrier.models import User


def failed_inputs(user: User) -> QuerySet[CaptureInput]:
    if not user.has_perm("capture.view_captureinput"):
        raise PermissionDenied
    return CaptureInput.objects.filter(status=InputStatus.ERROR).order_by("-received_at")


def set_aside_inputs(user: User) -> QuerySet[CaptureInput]:
    if not user.has_perm("capture.view_captureinput"):
        raise PermissionDenied
    return CaptureInput.objects.filter(status=InputStatus.SET_ASIDE).order_by("-received_at")


def handled_inputs(user: User) -> QuerySet[CaptureInput]:
    """The inputs an operator may retry, set aside or download: failed or set aside."""
    if not user.has_perm("capture.view_captureinput"):
        raise PermissionDenied
    return CaptureInput.objects.filter(status__in=[InputStatus.ERROR, InputStatus.SET_ASIDE])


def my_recent_uploads(user: User, ids: list[int]) -> QuerySet[CaptureInput]:
    """Inputs the user uploaded, with their mails, for the upload result page."""
    return (
        CaptureInput.objects.filter(pk__in=ids, created_by=user)
        .prefetch_related("mails__mail")
        .order_by("pk")
    )
