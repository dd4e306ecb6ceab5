"""Retention and elimination (Code du patrimoine L212-2: mail of an administration is a public
archive; at the end of its retention period (DUA) it is eliminated only with the archives'
approval, the "visa d'élimination").

Each document type says how long its mail is kept (an ISO 8601 duration), from which event
(closing by default, or arrival), and what happens then: keep (transfer to the archives),
destroy (eliminate) or sort (the archivist decides). A daily job proposes the mail whose period
ended and whose type says destroy or sort; the archivist approves or postpones each proposal
(journaled); elimination then deletes the files and the personal content, keeps a stub (chrono
number, type, dates, SHA-256 of each file destroyed) and the journal, and makes a certificate.
A legal hold on the mail or on a folder holding it blocks all of it.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer

from archives.files import pdf_table
from archives.models import (
    EliminationCertificate,
    EliminationProposal,
    LegalHold,
    ProposalStatus,
    Transfer,
    TransferStatus,
)
from courrier.models import (
    DocumentType,
    FinalDisposition,
    Folder,
    JournalEvent,
    Mail,
    MailContact,
    MailStatus,
    RetentionStart,
    User,
)
from courrier.pdf_text import text_paragraph
from courrier.personal_places import erase_personal_data
from courrier.services.journal import record_event

DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")
APPROVED_ACTION = "retention.elimination_approved"


def duration(text: str) -> relativedelta:
    found = DURATION.match(text or "")
    if not found:
        raise ValidationError(_("Not an ISO 8601 duration: %(text)s") % {"text": text})
    years, months, weeks, days = (int(part or 0) for part in found.groups())
    return relativedelta(years=years, months=months, weeks=weeks, days=days)


def retention_end(mail: Mail) -> datetime.date | None:
    """The day the mail's retention period ends; None while it has not started (open mail)."""
    kind = mail.document_type
    if kind is None:
        return None
    if kind.retention_start == RetentionStart.ARRIVAL:
        start = mail.arrival_date
    elif mail.status == MailStatus.CLOSED and mail.closing_date:
        start = timezone.localdate(mail.closing_date)
    else:
        return None
    end: datetime.date = start + duration(kind.retention_duration)
    return end


def held_mail_ids(mail_ids: Iterable[int]) -> set[int]:
    """Which of these mails a legal hold still in force covers (on itself or a folder)."""
    ids = list(mail_ids)
    active = LegalHold.objects.filter(lifted_at__isnull=True)
    held = set(active.filter(mail_id__in=ids).values_list("mail_id", flat=True))
    folders = active.filter(folder__isnull=False).values("folder_id")
    held |= set(
        Folder.mails.through.objects.filter(folder_id__in=folders, mail_id__in=ids).values_list(
            "mail_id", flat=True
        )
    )
    return {int(pk) for pk in held if pk is not None}


def is_held(mail: Mail) -> bool:
    return bool(held_mail_ids([mail.pk]))


def _candidates(kind: DocumentType, today: datetime.date) -> QuerySet[Mail]:
    cutoff = today - duration(kind.retention_duration)  # started on or before: ended by today
    mails = Mail.objects.filter(
        document_type=kind, eliminated_at__isnull=True, elimination__isnull=True
    )
    if kind.retention_start == RetentionStart.ARRIVAL:
        return mails.filter(arrival_date__lte=cutoff)
    zone = timezone.get_current_timezone()
    limit = datetime.datetime.combine(cutoff + datetime.timedelta(days=1), datetime.time.min, zone)
    return mails.filter(status=MailStatus.CLOSED, closing_date__lt=limit)


@dataclass
class ProposalRun:
    proposed: int = 0
    held: int = 0
    back: int = 0

    def __str__(self) -> str:
        return f"proposed {self.proposed}, held {self.held}, postponements ended {self.back}"


def propose_eliminations(today: datetime.date | None = None) -> ProposalRun:
    """The daily job: propose the mail whose retention ended and whose type says destroy or
    sort; postponed proposals whose date came back are proposed again."""
    today = today or timezone.localdate()
    run = ProposalRun()
    kinds = DocumentType.objects.filter(
        final_disposition__in=[FinalDisposition.DESTROY, FinalDisposition.SORT]
    )
    for kind in kinds:
        for chunk in _chunks(_candidates(kind, today).select_related("document_type"), 1000):
            held = held_mail_ids(m.pk for m in chunk)
            run.held += len(held)
            proposals = []
            for mail in chunk:
                end = retention_end(mail)
                if mail.pk in held or end is None or end > today:
                    continue
                proposals.append(
                    EliminationProposal(
                        mail=mail,
                        retention_end=end,
                        to_sort=kind.final_disposition == FinalDisposition.SORT,
                    )
                )
            EliminationProposal.objects.bulk_create(proposals, ignore_conflicts=True)
            run.proposed += len(proposals)
    run.back = EliminationProposal.objects.filter(
        status=ProposalStatus.POSTPONED, postponed_until__lte=today
    ).update(status=ProposalStatus.PROPOSED, postponed_until=None)
    return run


def _chunks(mails: QuerySet[Mail], size: int) -> Iterable[list[Mail]]:
    chunk: list[Mail] = []
    for mail in mails.iterator(chunk_size=size):
        chunk.append(mail)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _check_archivist(actor: User) -> None:
    if not actor.has_perm("courrier.export_journal"):
        raise PermissionDenied(_("Only archivists decide on eliminations."))


@transaction.atomic
def approve(*, actor: User, proposals: Iterable[EliminationProposal], comment: str = "") -> int:
    """The visa d'élimination, recorded in the journal for each mail."""
    _check_archivist(actor)
    chosen = list(proposals)
    held = held_mail_ids(p.mail_id for p in chosen)
    kept = {
        p.mail_id
        for p in chosen
        if p.mail.document_type is None
        or p.mail.document_type.final_disposition == FinalDisposition.KEEP
    }
    transferred = set(
        Transfer.objects.filter(status=TransferStatus.ACCEPTED, mails__in=kept).values_list(
            "mails", flat=True
        )
    )
    approved = 0
    for proposal in chosen:
        if proposal.status not in (ProposalStatus.PROPOSED, ProposalStatus.POSTPONED):
            continue
        if proposal.mail_id in held:
            raise ValidationError(
                _("Mail %(chrono)s is under a legal hold: it cannot be eliminated.")
                % {"chrono": proposal.mail.chrono_number}
            )
        if proposal.mail_id in kept and proposal.mail_id not in transferred:
            raise ValidationError(
                _(
                    "Mail %(chrono)s is kept for good: only the archives' acceptance of its "
                    "transfer allows eliminating the local copy."
                )
                % {"chrono": proposal.mail.chrono_number}
            )
        proposal.status, proposal.decided_by = ProposalStatus.APPROVED, actor
        proposal.decided_at, proposal.comment = timezone.now(), comment
        proposal.postponed_until = None
        proposal.save()
        record_event(
            action=APPROVED_ACTION,
            actor=actor,
            target=proposal.mail,
            details={"retention_end": proposal.retention_end.isoformat(), "comment": comment},
        )
        approved += 1
    return approved


@transaction.atomic
def postpone(
    *,
    actor: User,
    proposals: Iterable[EliminationProposal],
    until: datetime.date,
    comment: str = "",
) -> int:
    _check_archivist(actor)
    if until <= timezone.localdate():
        raise ValidationError(_("Postpone to a day after today."))
    count = 0
    for proposal in proposals:
        if proposal.status == ProposalStatus.ELIMINATED:
            continue
        proposal.status, proposal.postponed_until = ProposalStatus.POSTPONED, until
        proposal.decided_by, proposal.decided_at = actor, timezone.now()
        proposal.comment = comment
        proposal.save()
        record_event(
            action="retention.elimination_postponed",
            actor=actor,
            target=proposal.mail,
            details={"until": until.isoformat(), "comment": comment},
        )
        count += 1
    return count


@transaction.atomic
def place_hold(
    *, actor: User, reason: str, mail: Mail | None = None, folder: Folder | None = None
) -> LegalHold:
    _check_archivist(actor)
    if not reason.strip():
        raise ValidationError(_("Say why the hold is placed."))
    hold = LegalHold.objects.create(
        mail=mail, folder=folder, reason=reason.strip(), placed_by=actor
    )
    record_event(
        action="retention.hold_placed",
        actor=actor,
        target=mail or folder,
        mail=mail,
        details={"reason": hold.reason, **({"folder": folder.label} if folder else {})},
    )
    return hold


@transaction.atomic
def lift_hold(*, actor: User, hold: LegalHold) -> None:
    _check_archivist(actor)
    hold.lifted_by, hold.lifted_at = actor, timezone.now()
    hold.save(update_fields=["lifted_by", "lifted_at"])
    record_event(
        action="retention.hold_lifted",
        actor=actor,
        target=hold.mail or hold.folder,
        mail=hold.mail,
        details={"reason": hold.reason},
    )


def eliminate_mail(mail: Mail, *, actor: User, proposal: EliminationProposal) -> dict[str, str]:
    """Delete the mail's files and personal content, keep its stub and journal; returns the
    fingerprints of what was destroyed."""
    destroyed = erase_personal_data(mail)  # every place that keeps a person's data
    MailContact.objects.filter(mail=mail).delete()  # organisations too: nothing but the stub
    mail.subject = ""
    mail.eliminated_at = timezone.now()
    mail.save()
    record_event(
        action="mail.eliminated",
        actor=actor,
        target=mail,
        details={
            "retention_end": proposal.retention_end.isoformat(),
            "sha256_original": mail.original_sha256,
            "destroyed": destroyed,
        },
    )
    return destroyed


@transaction.atomic
def eliminate_approved(*, actor: User) -> EliminationCertificate | None:
    """Eliminate every approved proposal whose approval is in the journal and that no hold
    covers, and make the run's certificate; None when there was nothing to eliminate."""
    _check_archivist(actor)
    proposals = list(
        EliminationProposal.objects.select_for_update(of=("self",))
        .filter(status=ProposalStatus.APPROVED)
        .select_related("mail", "mail__document_type", "decided_by")
        .order_by("mail__chrono_number", "pk")
    )
    held = held_mail_ids(p.mail_id for p in proposals)
    approved_in_journal = set(
        JournalEvent.objects.filter(
            action=APPROVED_ACTION, mail_id__in=[p.mail_id for p in proposals]
        ).values_list("mail_id", flat=True)
    )
    done: list[tuple[EliminationProposal, dict[str, str]]] = []
    for proposal in proposals:
        if proposal.mail_id in held or proposal.mail_id not in approved_in_journal:
            continue  # a hold placed since, or no approval on record: left as it is
        done.append((proposal, eliminate_mail(proposal.mail, actor=actor, proposal=proposal)))
    if not done:
        return None
    certificate = EliminationCertificate(made_by=actor, mails=len(done))
    certificate.save()
    certificate.file.save(
        f"certificat-elimination-{certificate.pk}.pdf",
        ContentFile(certificate_pdf(certificate, done)),
        save=True,
    )
    for proposal, _destroyed in done:
        proposal.status, proposal.certificate = ProposalStatus.ELIMINATED, certificate
        proposal.save(update_fields=["status", "certificate"])
    record_event(
        action="retention.certificate",
        actor=actor,
        target=certificate,
        details={"mails": len(done), "chrono_numbers": [p.mail.chrono_number for p, _d in done]},
    )
    return certificate


def certificate_pdf(
    certificate: EliminationCertificate, done: list[tuple[EliminationProposal, dict[str, str]]]
) -> bytes:
    styles = getSampleStyleSheet()
    title = _("Elimination certificate no. %(n)s") % {"n": certificate.pk}
    story: list[object] = [
        text_paragraph(title, styles["Title"]),
        text_paragraph(
            _(
                "%(organisation)s certifies that the mail below, whose retention period had "
                "ended and whose elimination was approved by the archivist named beside each, "
                "was eliminated on %(day)s by %(user)s: its files and personal content were "
                "deleted; its registration stub, the fingerprints of what was destroyed and its "
                "journal are kept."
            )
            % {
                "organisation": settings.BANNETTE_ORGANISATION_NAME,
                "day": date_format(timezone.localtime(certificate.made_at), "DATETIME_FORMAT"),
                "user": certificate.made_by.get_full_name() or certificate.made_by.get_username(),
            },
            styles["Normal"],
        ),
        Spacer(1, 5 * mm),
    ]
    rows: list[list[object]] = [
        [
            _("Chrono number"),
            _("Document type"),
            _("Arrival date"),
            _("Closing date"),
            _("Retention ended on"),
            _("Approved by"),
            _("SHA-256 of the original"),
        ]
    ]
    for proposal, _destroyed in done:
        mail = proposal.mail
        approver = proposal.decided_by
        rows.append(
            [
                mail.chrono_number or "",
                str(mail.document_type or "—"),
                date_format(mail.arrival_date, "SHORT_DATE_FORMAT"),
                date_format(timezone.localdate(mail.closing_date), "SHORT_DATE_FORMAT")
                if mail.closing_date
                else "—",
                date_format(proposal.retention_end, "SHORT_DATE_FORMAT"),
                (approver.get_full_name() or approver.get_username()) if approver else "—",
                text_paragraph(mail.original_sha256 or "—", styles["Code"]),
            ]
        )
    table = pdf_table(rows, [32 * mm, 40 * mm, 22 * mm, 22 * mm, 24 * mm, 34 * mm, 90 * mm])
    story.append(table)
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=landscape(A4), title=title, author="Bannette").build(story)
    return buffer.getvalue()


def proposals_for_review() -> QuerySet[EliminationProposal]:
    return EliminationProposal.objects.select_related(
        "mail", "mail__document_type", "mail__destination_entity", "decided_by"
    ).filter(~Q(status=ProposalStatus.ELIMINATED))
