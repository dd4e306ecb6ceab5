"""Declaring an absence: period, and for each basket the colleagues who take it over."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courrier.baskets import active_delegations, baskets_for
from courrier.models import Absence, Basket, User
from courrier.services.absences import cancel_absence, declare_absence
from courrier.services.actions import refusal_text
from courrier.views.common import _user, posted_ids


def _moment(value: str, *, end: bool) -> datetime.datetime:
    """A date from the form as the start (00:00) or the end (24:00) of that local day."""
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(_("Give the first and last days of the absence.")) from exc
    moment = datetime.datetime.combine(
        day + datetime.timedelta(days=1 if end else 0), datetime.time()
    )
    return timezone.make_aware(moment)


def _delegations(request: HttpRequest, baskets: list[Basket]) -> list[tuple[Basket, User]]:
    chosen: list[tuple[Basket, User]] = []
    for basket in baskets:
        ids = posted_ids(request, f"basket_{basket.pk}")
        chosen += [(basket, u) for u in User.objects.filter(pk__in=ids, is_active=True)]
    return chosen


@login_required
def absences(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    baskets = list(baskets_for(user))
    if request.method == "POST":
        try:
            declare_absence(
                actor=user,
                user=user,
                start=_moment(request.POST.get("start", ""), end=False),
                end=_moment(request.POST.get("end", ""), end=True),
                delegations=_delegations(request, baskets),
                reason=request.POST.get("reason", ""),
            )
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, refusal_text(exc))
        else:
            messages.success(
                request, _("Absence recorded; your colleagues will see your baskets during it.")
            )
            return HttpResponseRedirect(reverse("absences"))
    context = {
        "baskets": baskets,
        # Colleagues who process mail: not applications' accounts, not those who read no mail.
        "colleagues": User.objects.filter(
            is_active=True,
            service_account__isnull=True,
            groups__permissions__codename="process_mail",
        )
        .exclude(pk=user.pk)
        .distinct()
        .select_related("primary_entity")
        .order_by("last_name", "first_name"),
        "mine": Absence.objects.filter(
            user=user, cancelled=False, end__gt=timezone.now()
        ).prefetch_related("delegations__basket", "delegations__substitute"),
        "received": active_delegations(user),
        "today": timezone.localdate(),
    }
    return render(request, "courrier/absences.html", context)


@login_required
@require_POST
def absence_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    absence = get_object_or_404(Absence, pk=pk, user=_user(request))
    cancel_absence(actor=_user(request), absence=absence)
    messages.success(request, _("Absence cancelled."))
    return HttpResponseRedirect(reverse("absences"))
