"""Visa circuits follow the mail core's domain events."""

from __future__ import annotations

from courrier.events import AttachmentVersionAdded, subscribe
from courrier.models import Attachment, User
from courrier.services.journal import record_event
from visa.services import restart_circuit


def restart_circuit_on_new_version(event: AttachmentVersionAdded) -> None:
    """A new version of a draft under a circuit voids every decision taken on the old one."""
    draft = (
        Attachment.objects.select_for_update().select_related("mail").get(pk=event.attachment_id)
    )
    if not restart_circuit(draft):
        return
    record_event(
        action="visa.circuit_restarted",
        actor=User.objects.filter(pk=event.actor_id).first() if event.actor_id else None,
        target=draft,
        mail=draft.mail,
        details={"version": event.number},
    )


def connect() -> None:
    # In the transaction: nobody may visa the old version once the new one is committed.
    subscribe(AttachmentVersionAdded, restart_circuit_on_new_version, in_transaction=True)
