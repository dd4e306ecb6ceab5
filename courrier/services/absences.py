"""Absences: a user's baskets go to colleagues for a period; their actions say on whose behalf."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from courrier.baskets import baskets_for
from courrier.models import Absence, Basket, BasketDelegation, User
from courrier.services.journal import record_event


@transaction.atomic
def declare_absence(
    *,
    actor: User,
    user: User,
    start: datetime.datetime,
    end: datetime.datetime,
    delegations: Sequence[tuple[Basket, User]],
    reason: str = "",
) -> Absence:
    """Record an absence and who handles each basket meanwhile (oneself, or an administrator)."""
    if actor.pk != user.pk and not actor.has_perm("courrier.change_user"):
        raise PermissionDenied(_("You can only declare your own absences."))
    if end <= start:
        raise ValidationError(_("The absence must end after it starts."))
    own_baskets = set(baskets_for(user).values_list("pk", flat=True))
    for basket, substitute in delegations:
        if basket.pk not in own_baskets:
            raise ValidationError(_("%(basket)s is not one of your baskets.") % {"basket": basket})
        if substitute.pk == user.pk or not substitute.is_active:
            raise ValidationError(
                _("Choose an active colleague for %(basket)s.") % {"basket": basket}
            )
    absence = Absence.objects.create(user=user, start=start, end=end, reason=reason.strip())
    BasketDelegation.objects.bulk_create(
        [BasketDelegation(absence=absence, basket=b, substitute=s) for b, s in delegations],
        ignore_conflicts=True,
    )
    record_event(
        action="absence.declared",
        actor=actor,
        target=absence,
        details={
            "user": user.username,
            "start": start,
            "end": end,
            "delegations": [[b.code, s.username] for b, s in delegations],
        },
    )
    return absence


@transaction.atomic
def cancel_absence(*, actor: User, absence: Absence) -> None:
    if actor.pk != absence.user_id and not actor.has_perm("courrier.change_user"):
        raise PermissionDenied(_("You can only cancel your own absences."))
    absence.cancelled = True
    absence.save(update_fields=["cancelled"])
    record_event(action="absence.cancelled", actor=actor, target=absence, details={})
