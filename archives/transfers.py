"""Transfers to the archives (versements): the mail to keep whose retention period ended goes,
in SEDA packages, to the archive service through a drop folder; its acknowledgement and its
ArchiveTransferReply come back the same way. Only an accepting reply lets the archivist
eliminate the local copy (it is proposed for elimination then); a rejection is shown with its
reason and the mail stays.

Out: the package (manifest.xml and content/) is written as a ZIP under a hidden name in the
agreement's outbox and renamed into place once the transfer is committed. Back: an XML file in
the inbox is claimed by an atomic rename (dropfolders), matched to its transfer by the message
identifier it answers, then filed in done/ (or error/ with the reason).
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

import dropfolders
from archives import retention, seda
from archives.models import (
    ArchiveAgreement,
    EliminationProposal,
    Transfer,
    TransferStatus,
)
from courrier.models import DocumentType, FinalDisposition, Mail, User
from courrier.services.journal import record_event

ACCEPTING_CODES = {"OK", "000", "WARNING"}


def agreement_of(agreement: ArchiveAgreement) -> seda.Agreement:
    return seda.Agreement(
        identifier=agreement.identifier,
        archival_agency=agreement.archival_agency,
        transferring_agency=agreement.transferring_agency,
        originating_agency=agreement.originating_agency,
        appraisal_rules=dict(agreement.appraisal_rules),
        access_rule=agreement.access_rule,
        version=agreement.seda_version,
    )


def transferable(today: datetime.date | None = None) -> QuerySet[Mail]:
    """Closed mail of types kept for good, whose retention ended, not transferred yet, not held."""
    today = today or timezone.localdate()
    ids: list[int] = []
    for kind in DocumentType.objects.filter(final_disposition=FinalDisposition.KEEP):
        for chunk in retention._chunks(retention._candidates(kind, today), 1000):
            held = retention.held_mail_ids(m.pk for m in chunk)
            ids += [m.pk for m in chunk if m.pk not in held]
    return (
        Mail.objects.filter(pk__in=ids)
        .exclude(
            transfers__status__in=[
                TransferStatus.SENT,
                TransferStatus.ACKNOWLEDGED,
                TransferStatus.ACCEPTED,
            ]
        )
        .select_related("document_type", "destination_entity")
        .order_by("closing_date", "pk")
    )


def _identifier(agreement: ArchiveAgreement) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d%H%M%S%f")
    return f"{agreement.identifier}-{stamp}"


@transaction.atomic
def send_transfer(*, actor: User, agreement: ArchiveAgreement, mails: list[Mail]) -> Transfer:
    """Build, validate and drop the package; journaled for each mail."""
    retention._check_archivist(actor)
    if not mails:
        raise ValidationError(_("Choose the mail to transfer."))
    held = retention.held_mail_ids(m.pk for m in mails)
    if held:
        raise ValidationError(_("Mail under a legal hold cannot be transferred."))
    identifier = _identifier(agreement)
    comment = _("Transfer of %(n)s mail(s) from Bannette") % {"n": len(mails)}
    try:
        built = seda.validated(
            seda.build(mails, agreement_of(agreement), identifier, comment),
            agreement_of(agreement),
        )
    except seda.ManifestInvalid as invalid:
        raise ValidationError(
            [_("The SEDA manifest is not valid: %(p)s") % {"p": p} for p in invalid.problems]
        ) from invalid
    data = built.zip()
    transfer = Transfer(agreement=agreement, identifier=identifier, made_by=actor)
    transfer.package.save(f"{identifier}.zip", ContentFile(data), save=False)
    transfer.save()
    transfer.mails.set(mails)
    outbox = Path(agreement.outbox)
    outbox.mkdir(parents=True, exist_ok=True)
    building = outbox / f".{identifier}.zip.part"
    building.write_bytes(data)  # a full disk fails the action, not the publication
    transaction.on_commit(lambda: os.replace(building, outbox / f"{identifier}.zip"))
    for mail in mails:
        record_event(
            action="archives.transfer_sent",
            actor=actor,
            target=mail,
            details={"transfer": identifier, "archive": agreement.archival_agency},
        )
    return transfer


@dataclass
class ReplyRun:
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    errors: int = 0

    def __str__(self) -> str:
        return (
            f"replies read {self.read}: accepted {self.accepted}, rejected {self.rejected}, "
            f"set aside {self.errors}"
        )


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(root: ET.Element, name: str) -> str:
    for node in root.iter():
        if _local(node.tag) == name and node.text:
            return node.text.strip()
    return ""


def read_replies(agreement: ArchiveAgreement) -> ReplyRun:
    """Take the archive service's acknowledgements and replies from the agreement's inbox."""
    run = ReplyRun()
    inbox = Path(agreement.inbox)
    if not inbox.is_dir():
        return run
    for path in sorted(inbox.iterdir()):
        if not path.is_file() or dropfolders.is_ignored(path) or path.suffix.lower() != ".xml":
            continue
        claimed = dropfolders.claim_into(inbox, path)
        if claimed is None:
            continue
        try:
            outcome = _take_reply(agreement, claimed)
        except (ET.ParseError, DefusedXmlException, ValidationError) as exc:
            reason = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
            dropfolders.file_out(claimed, dropfolders.ERROR, reason)
            run.errors += 1
            continue
        dropfolders.file_out(claimed, dropfolders.DONE)
        run.read += 1
        run.accepted += outcome == TransferStatus.ACCEPTED
        run.rejected += outcome == TransferStatus.REJECTED
    return run


@transaction.atomic
def _take_reply(agreement: ArchiveAgreement, path: Path) -> str:
    data = path.read_bytes()
    root = SafeET.fromstring(data)  # the archive's reply: no entities, no external references
    kind = _local(root.tag)
    answered = _child(root, "MessageRequestIdentifier") or _child(root, "MessageReceivedIdentifier")
    transfer = (
        Transfer.objects.select_for_update()
        .filter(agreement=agreement, identifier=answered)
        .first()
    )
    if transfer is None:
        raise ValidationError(
            _("No transfer %(id)s is waiting for a reply.") % {"id": answered or "?"}
        )
    if kind == "Acknowledgement":
        if transfer.status == TransferStatus.SENT:
            transfer.status = TransferStatus.ACKNOWLEDGED
            transfer.save(update_fields=["status"])
        return TransferStatus.ACKNOWLEDGED
    if kind != "ArchiveTransferReply":
        raise ValidationError(_("Not a SEDA reply: %(kind)s") % {"kind": kind})
    code = _child(root, "ReplyCode")
    accepted = code in ACCEPTING_CODES
    transfer.status = TransferStatus.ACCEPTED if accepted else TransferStatus.REJECTED
    transfer.reply_code, transfer.reply_comment = code, _child(root, "Comment")
    transfer.replied_at = timezone.now()
    transfer.reply.save(f"{transfer.identifier}-reply.xml", ContentFile(data), save=False)
    transfer.save()
    today = timezone.localdate()
    for mail in transfer.mails.all():
        record_event(
            action="archives.transfer_accepted" if accepted else "archives.transfer_rejected",
            actor=None,
            target=mail,
            details={
                "transfer": transfer.identifier,
                "code": code,
                "comment": transfer.reply_comment,
            },
        )
        if accepted:  # the archives hold it now: the local copy may be eliminated
            EliminationProposal.objects.get_or_create(
                mail=mail, defaults={"retention_end": today, "to_sort": False}
            )
    return transfer.status


def accepted_by_archives(mail_ids: list[int]) -> set[int]:
    return set(
        Transfer.objects.filter(status=TransferStatus.ACCEPTED, mails__in=mail_ids).values_list(
            "mails", flat=True
        )
    )
