"""Office documents added to a mail get their PDF made by a worker."""

from __future__ import annotations

from courrier.events import AttachmentVersionAdded, subscribe
from courrier.models import AttachmentVersion
from templates_office.services import schedule_conversion


def convert_new_version(event: AttachmentVersionAdded) -> None:
    schedule_conversion(AttachmentVersion.objects.get(pk=event.version_id))


def connect() -> None:
    # In the transaction: the version shows "PDF pending" from the moment it is committed.
    subscribe(AttachmentVersionAdded, convert_new_version, in_transaction=True)
