"""The legal clock of a request (CRPA) and what the requester must be told.

- L114-5: asking for missing pieces suspends the delays; they run again, whole, from the day the
  pieces arrive.
- L114-2: a request for another authority is transmitted to it, the requester is told, and the
  mail is closed here.
- L231-1 / L231-4: on the implicit-decision date without an express decision (the mail still
  open), the implicit acceptance or rejection is born; it is recorded once, by the daily job.
- L112-3, R112-5, L112-6: every notice sent is kept with the mail as it was sent and journaled;
  an acknowledgment that could not be sent flags the mail.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import smtplib
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from courrier.deadlines import deadlines_for
from courrier.legal_mentions import legal_mentions, long_date
from courrier.models import (
    ACKNOWLEDGMENT_KINDS,
    OPEN_STATUSES,
    AttachmentKind,
    ClockSuspension,
    ContactRole,
    Mail,
    MailStatus,
    NoticeChannel,
    NoticeKind,
    ProcessingMode,
    RequesterNotice,
    SuspensionReason,
    User,
)
from courrier.services.circulation import add_attachment
from courrier.services.journal import record_event
from courrier.services.mail import CLOSING_FIELDS, IncomingFile, check_mail_access, mark_closed

logger = logging.getLogger(__name__)


def _locked(mail: Mail) -> Mail:
    return (
        Mail.objects.select_for_update(of=("self",)).select_related("document_type").get(pk=mail.pk)
    )


def _check_open(mail: Mail) -> None:
    if mail.status == MailStatus.CLOSED:
        raise ValidationError(_("This mail is closed."))
    if mail.suspended_since is not None:
        raise ValidationError(
            _("The delays are already suspended since %(date)s.")
            % {"date": long_date(mail.suspended_since)}
        )


@transaction.atomic
def request_missing_pieces(
    *, actor: User, mail: Mail, pieces: str, on_behalf_of: User | None = None
) -> ClockSuspension:
    """Suspend the delays until the requester sends what is missing (CRPA L114-5)."""
    check_mail_access(actor, mail, "process_mail", on_behalf_of=on_behalf_of, processing=True)
    mail = _locked(mail)
    _check_open(mail)
    if not pieces.strip():
        raise ValidationError(_("Say which pieces are missing."))
    suspension = _suspend(mail, SuspensionReason.MISSING_PIECES, pieces.strip(), actor)
    today = suspension.started_on
    mail.save(update_fields=_CLOCK_FIELDS)
    record_event(
        action="deadline.suspended",
        actor=actor,
        on_behalf_of=on_behalf_of,
        target=mail,
        details={"since": today, "pieces": pieces.strip()},
    )
    transaction.on_commit(lambda: notify_requester(mail.pk, NoticeKind.MISSING_PIECES))
    return suspension


def _suspend(mail: Mail, reason: str, details: str, actor: User) -> ClockSuspension:
    """Stop the clock today, keeping the dates it would have given (the caller saves the mail)."""
    suspension = ClockSuspension.objects.create(
        mail=mail,
        reason=reason,
        started_on=timezone.localdate(),
        details=details,
        previous_due_date=mail.due_date,
        previous_implicit_decision_date=mail.implicit_decision_date,
        created_by=actor,
    )
    mail.suspended_since = suspension.started_on
    mail.due_date = mail.reminder_date = mail.implicit_decision_date = None
    return suspension


_CLOCK_FIELDS = [
    "suspended_since",
    "due_date",
    "reminder_date",
    "implicit_decision_date",
    "clock_start",
    "updated_at",
]


@transaction.atomic
def record_pieces_received(
    *,
    actor: User,
    mail: Mail,
    received_on: datetime.date | None = None,
    on_behalf_of: User | None = None,
) -> Mail:
    """The missing pieces arrived: the delays run again, whole, from that day (L114-5)."""
    check_mail_access(actor, mail, "process_mail", on_behalf_of=on_behalf_of, processing=True)
    mail = _locked(mail)
    suspension = (
        mail.clock_suspensions.filter(reason=SuspensionReason.MISSING_PIECES, ended_on__isnull=True)
        .order_by("-started_on")
        .first()
    )
    if suspension is None:
        raise ValidationError(_("No missing pieces are awaited for this mail."))
    received_on = received_on or timezone.localdate()
    if received_on < suspension.started_on or received_on > timezone.localdate():
        raise ValidationError(_("The pieces must arrive between the request and today."))
    suspension.ended_on = received_on
    suspension.save(update_fields=["ended_on"])
    deadlines = deadlines_for(mail.document_type, received_on)
    mail.suspended_since = None
    mail.clock_start = received_on
    mail.due_date, mail.reminder_date = deadlines.due_date, deadlines.reminder_date
    mail.implicit_decision_date = deadlines.implicit_decision_date
    mail.save(update_fields=_CLOCK_FIELDS)
    record_event(
        action="deadline.restarted",
        actor=actor,
        on_behalf_of=on_behalf_of,
        target=mail,
        details={
            "received_on": received_on,
            "due_date": mail.due_date,
            "implicit_decision_date": mail.implicit_decision_date,
        },
    )
    return mail


@transaction.atomic
def transfer_to_competent_authority(
    *, actor: User, mail: Mail, authority: str, on_behalf_of: User | None = None
) -> Mail:
    """Record the transmission to the competent authority, tell the requester, close (L114-2)."""
    check_mail_access(actor, mail, "close_mail", on_behalf_of=on_behalf_of, processing=True)
    mail = _locked(mail)
    _check_open(mail)
    if not authority.strip():
        raise ValidationError(_("Name the authority the request is sent to."))
    today = _suspend(mail, SuspensionReason.TRANSFERRED, authority.strip(), actor).started_on
    mark_closed(mail, actor=actor)
    mail.save(update_fields=[*_CLOCK_FIELDS, *CLOSING_FIELDS])
    record_event(
        action="mail.transferred",
        actor=actor,
        on_behalf_of=on_behalf_of,
        target=mail,
        details={"authority": authority.strip(), "on": today},
    )
    transaction.on_commit(lambda: notify_requester(mail.pk, NoticeKind.TRANSFER))
    return mail


def record_implicit_decisions(today: datetime.date | None = None) -> int:
    """Flag each open mail whose implicit decision is born (once); returns how many."""
    today = today or timezone.localdate()
    due = Mail.objects.filter(
        status__in=OPEN_STATUSES,
        suspended_since__isnull=True,
        implicit_decision_date__lte=today,
        implicit_decision_born_on__isnull=True,
    ).values_list("pk", flat=True)
    return sum(_record_implicit_decision(pk, today) for pk in list(due))


@transaction.atomic
def _record_implicit_decision(mail_pk: int, today: datetime.date) -> bool:
    mail = _locked(Mail(pk=mail_pk))
    born = mail.implicit_decision_date
    if mail.implicit_decision_born_on or born is None or born > today or mail.suspended_since:
        return False
    if mail.status == MailStatus.CLOSED or mail.document_type is None:
        return False
    mail.implicit_decision_born_on = born
    mail.save(update_fields=["implicit_decision_born_on", "updated_at"])
    decision = (
        "acceptance" if mail.document_type.processing_mode == ProcessingMode.SVA else "rejection"
    )
    record_event(
        action="deadline.implicit_decision_born",
        actor=None,
        target=mail,
        details={"decision": decision, f"{decision}_born_on": born},
    )
    return True


def requester_email(mail: Mail) -> str:
    link = (
        mail.mail_contacts.filter(role=ContactRole.SENDER)
        .select_related("contact", "address")
        .first()
    )
    if link is None:
        return ""
    return (link.address.email if link.address and link.address.email else "") or (
        link.contact.email
    )


NOTICE_SUBJECTS = {
    NoticeKind.RECEIPT: "Accusé de réception de votre demande {chrono}",
    NoticeKind.REGISTRATION: "Enregistrement de votre envoi {chrono}",
    NoticeKind.MISSING_PIECES: "Pièces manquantes pour votre demande {chrono}",
    NoticeKind.TRANSFER: "Transmission de votre demande {chrono} à l'autorité compétente",
}


NOTICE_FILE_NAMES = {
    NoticeKind.RECEIPT: "accuse-de-reception",
    NoticeKind.REGISTRATION: "accuse-d-enregistrement",
    NoticeKind.MISSING_PIECES: "demande-de-pieces",
    NoticeKind.TRANSFER: "avis-de-transmission",
}


def notify_requester(mail_pk: int, kind: str, *, to: str = "") -> RequesterNotice | None:
    """E-mail the requester the notice of this kind (in French), kept and journaled; None when
    the mail has no requester's e-mail address (a letter is then printed from a template)."""
    mail = Mail.objects.select_related("document_type", "destination_entity").get(pk=mail_pk)
    address = to or requester_email(mail)
    if not address:
        return None
    with translation.override("fr"):
        context = {
            "mail": mail,
            "kind": kind,
            "legal": legal_mentions(mail),
            "suspension": mail.clock_suspensions.order_by("-pk").first(),
        }
        text = render_to_string("courrier/notices/notice.txt", context)
        html = render_to_string("courrier/notices/notice.html", context)
    return send_notice_email(
        mail,
        kind=kind,
        to=address,
        subject=NOTICE_SUBJECTS[NoticeKind(kind)].format(chrono=mail.chrono_number),
        text=text,
        html=html,
    )


def send_notice_email(
    mail: Mail,
    *,
    kind: str,
    to: str,
    subject: str,
    text: str,
    html: str,
    on_sent: Callable[[], object] | None = None,
) -> RequesterNotice | None:
    """Send a notice to the requester and keep it (with `on_sent` in the same transaction); a
    refusal is recorded, and flags the mail, once until a later attempt gets through."""
    email = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    email.attach_alternative(html, "text/html")
    try:
        email.send()
    except (OSError, smtplib.SMTPException) as exc:
        logger.warning("notice %s for mail %s not sent: %s", kind, mail.pk, exc)
        if mail.notices.filter(kind=kind, sent_at__isnull=True).exists():
            return None  # already recorded as not sent: the retries do not repeat it
        return record_notice_failure(mail, kind=kind, recipient=to, error=str(exc))
    with transaction.atomic():
        notice = record_notice(
            mail,
            kind=kind,
            channel=NoticeChannel.EMAIL,
            recipient=to,
            content=email.message().as_bytes(),
            file_name=f"{NOTICE_FILE_NAMES[NoticeKind(kind)]}.eml",
            mime="message/rfc822",
        )
        if on_sent is not None:
            on_sent()
    return notice


def _copy_kind(kind: str) -> AttachmentKind:
    if kind in ACKNOWLEDGMENT_KINDS:
        return AttachmentKind.objects.get_or_create(
            code="acknowledgment", defaults={"label": "Accusé de réception"}
        )[0]
    return AttachmentKind.objects.get_or_create(
        code="requester_notice", defaults={"label": "Courrier au demandeur"}
    )[0]


@transaction.atomic
def record_notice(
    mail: Mail,
    *,
    kind: str,
    channel: str,
    recipient: str,
    content: bytes,
    file_name: str,
    mime: str,
    actor: User | None = None,
) -> RequesterNotice:
    """Keep the notice as given, journal it with its date; a sent acknowledgment lifts the flag."""
    copy = add_attachment(
        actor=None,
        mail=mail,
        kind=_copy_kind(kind),
        title=file_name,
        file=IncomingFile(file_name, content, mime),
    )
    now = timezone.now()
    sha256 = hashlib.sha256(content).hexdigest()
    notice = RequesterNotice.objects.create(
        mail=mail,
        kind=kind,
        channel=channel,
        recipient=recipient,
        copy=copy,
        sha256=sha256,
        sent_at=now,
    )
    if kind in ACKNOWLEDGMENT_KINDS:
        Mail.objects.filter(pk=mail.pk).update(acknowledgment_failed=False)
    record_event(
        action="acknowledgment.sent" if kind in ACKNOWLEDGMENT_KINDS else "requester.informed",
        actor=actor,
        target=copy,
        mail=mail,
        details={
            "kind": kind,
            "channel": channel,
            "to" if channel == NoticeChannel.EMAIL else "addressee": recipient,
            "sent_at": now,
            "sha256": sha256,
        },
    )
    return notice


@transaction.atomic
def record_notice_failure(mail: Mail, *, kind: str, recipient: str, error: str) -> RequesterNotice:
    notice = RequesterNotice.objects.create(
        mail=mail,
        kind=kind,
        channel=NoticeChannel.EMAIL,
        recipient=recipient,
        error=error[:2000],
    )
    if kind in ACKNOWLEDGMENT_KINDS:
        Mail.objects.filter(pk=mail.pk).update(acknowledgment_failed=True)
    record_event(
        action="acknowledgment.failed",
        actor=None,
        target=mail,
        details={"kind": kind, "to": recipient},
    )
    return notice
