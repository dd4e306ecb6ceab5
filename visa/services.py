"""Visa circuit services."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from courrier.models import Mail, MailStatus, User
from courrier.services.journal import record_event
from courrier.services.mail import check_mail_access
from visa.models import VisaStep, VisaStepRole, VisaStepState


@transaction.atomic
def start_visa_circuit(
    *, actor: User, mail: Mail, steps: Sequence[tuple[User, str]]
) -> list[VisaStep]:
    """Replace the mail's circuit with these (user, role) steps; the first one becomes current."""
    check_mail_access(actor, mail)
    if not steps:
        raise ValidationError("A visa circuit needs at least one step.")
    if mail.status == MailStatus.CLOSED:
        raise PermissionDenied("A closed mail cannot enter a visa circuit.")
    VisaStep.objects.filter(mail=mail).delete()
    created = [
        VisaStep.objects.create(
            mail=mail,
            position=position,
            user=user,
            role=role,
            state=VisaStepState.CURRENT if position == 1 else VisaStepState.PENDING,
        )
        for position, (user, role) in enumerate(steps, start=1)
    ]
    first_role = created[0].role
    mail.status = MailStatus.TO_SIGN if first_role == VisaStepRole.SIGNATURE else MailStatus.TO_VISA
    mail.save(update_fields=["status", "updated_at"])
    record_event(
        action="visa.circuit_started",
        actor=actor,
        target=mail,
        details={"steps": [[u.username, role] for u, role in steps]},
    )
    return created
