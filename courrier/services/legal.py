"""The legal clock of a request (CRPA) and what the requester must be told.

- L114-5: asking for missing pieces sets a time to send them (the type's default, or the
  agent's date) and stops the clock. For a request that silence **accepts** (SVA, al. 2) the
  delay runs, whole, only from the day the pieces arrive. For one that silence **rejects** (SVR,
  al. 3) the delay is suspended, then runs on for what was left: from the day the pieces arrive
  or, at the latest, from the end of the time given (CE, 13 January 2003, n° 237034, Camara:
  the suspension ends of right on receipt and at the latest when that time runs out). Mail of
  neither kind restarts its processing delay from the pieces' arrival.
- No pieces are asked for once an implicit decision is born, nor on mail closed by an express
  decision (even reopened since).
- L114-2: a request for another authority is transmitted to it, the requester is told, and the
  mail is closed here.
- L231-1 / L231-4: on the implicit-decision date without an express decision, the implicit
  acceptance or rejection is born; it is recorded once, by the daily job. Mail answered
  expressly (closed once, `first_closed_on`) never gets one, even after it is reopened.
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

from courrier.deadlines import add_working_days, deadlines_for, is_working_day
from courrier.legal_mentions import legal_mentions, long_date
from courrier.models import (
    ACKNOWLEDGMENT_KINDS,
    OPEN_STATUSES,
    AttachmentKind,
    ClockSuspension,
    ContactRole,
    DelayUnit,
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


def _check_undecided(mail: Mail, today: datetime.date) -> None:
    """Pieces cannot be asked for on a request already decided, expressly or by silence."""
    if mail.first_closed_on is not None:
        raise ValidationError(
            _(
                "This request was answered on %(date)s: pieces can no longer be asked for "
                "(the mail was reopened since)."
            )
            % {"date": long_date(mail.first_closed_on)}
        )
    born = mail.implicit_decision_born_on or (
        mail.implicit_decision_date
        if mail.implicit_decision_date and mail.implicit_decision_date <= today
        else None
    )
    if born is not None:
        raise ValidationError(
            _(
                "The implicit decision on this request was born on %(date)s: it is decided, "
                "pieces can no longer be asked for (CRPA L114-5)."
            )
            % {"date": long_date(born)}
        )


@transaction.atomic
def request_missing_pieces(
    *,
    actor: User,
    mail: Mail,
    pieces: str,
    due_on: datetime.date | None = None,
    on_behalf_of: User | None = None,
) -> ClockSuspension:
    """Stop the clock until the requester sends what is missing, by `due_on` (CRPA L114-5);
    the requester is told what, by when, and what it does to the delay."""
    check_mail_access(actor, mail, "process_mail", on_behalf_of=on_behalf_of, processing=True)
    mail = _locked(mail)
    today = timezone.localdate()
    _check_open(mail)
    _check_undecided(mail, today)
    if not pieces.strip():
        raise ValidationError(_("Say which pieces are missing."))
    due_on = due_on or mail.pieces_due_default
    if due_on <= today:
        raise ValidationError(_("The time given for the pieces must end after today."))
    suspension = _suspend(mail, SuspensionReason.MISSING_PIECES, pieces.strip(), actor)
    suspension.pieces_due_on = due_on
    suspension.save(update_fields=["pieces_due_on"])
    mail.save(update_fields=_CLOCK_FIELDS)
    record_event(
        action="deadline.suspended",
        actor=actor,
        on_behalf_of=on_behalf_of,
        target=mail,
        details={"since": today, "pieces_due_on": due_on},
        personal={"pieces": pieces.strip()},
    )
    transaction.on_commit(lambda: tell_requester(mail.pk, NoticeKind.MISSING_PIECES))
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


def resumed(
    before: datetime.date | None, stopped: datetime.date, again: datetime.date, unit: str
) -> datetime.date | None:
    """A delay that stood still from `stopped` to `again` and runs on for what was left: its
    end moves by the days it stood still (L114-5 al. 3); in working days, the working days
    that were left are counted from `again`."""
    if before is None:
        return None
    if unit == DelayUnit.WORKING_DAYS:
        left, day = 0, stopped
        while day < before:
            day += datetime.timedelta(days=1)
            left += is_working_day(day)
        return add_working_days(again, left)
    return before + (again - stopped)


def _run_again(mail: Mail, suspension: ClockSuspension, on: datetime.date) -> None:
    """The clock runs again from `on`: on for what was left for a request that silence
    rejects, whole for the others (the caller saves the mail)."""
    doctype = mail.document_type
    mail.suspended_since = None
    if doctype is not None and _runs_on(mail):
        mail.implicit_decision_date = resumed(
            suspension.previous_implicit_decision_date,
            suspension.started_on,
            on,
            doctype.implicit_delay_unit,
        )
        mail.due_date = resumed(
            suspension.previous_due_date, suspension.started_on, on, doctype.delay_unit
        )
        reminder_before = doctype.reminder1_days_before
        mail.reminder_date = (
            mail.due_date - datetime.timedelta(days=reminder_before)
            if mail.due_date is not None and reminder_before is not None
            else None
        )
        return
    deadlines = deadlines_for(doctype, on)
    mail.clock_start = on
    mail.due_date, mail.reminder_date = deadlines.due_date, deadlines.reminder_date
    mail.implicit_decision_date = deadlines.implicit_decision_date


@transaction.atomic
def record_pieces_received(
    *,
    actor: User,
    mail: Mail,
    received_on: datetime.date | None = None,
    on_behalf_of: User | None = None,
) -> Mail:
    """The missing pieces arrived: the clock runs again from that day (L114-5)."""
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
    if (
        _runs_on(mail)
        and suspension.pieces_due_on is not None
        and received_on > suspension.pieces_due_on
    ):  # too late: the delay ran on from the end of the time given
        return _lapse(mail, suspension, late_pieces_on=received_on, actor=actor)
    suspension.ended_on = received_on
    suspension.save(update_fields=["ended_on"])
    _run_again(mail, suspension, received_on)
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


def _runs_on(mail: Mail) -> bool:
    """Whether the delay is suspended and runs on (SVR, L114-5 al. 3: the time given for the
    pieces ends the suspension), rather than restarted whole on their arrival."""
    doctype = mail.document_type
    return doctype is not None and doctype.processing_mode == ProcessingMode.SVR


def _lapse(
    mail: Mail,
    suspension: ClockSuspension,
    *,
    late_pieces_on: datetime.date | None = None,
    actor: User | None = None,
) -> Mail:
    """The time given ran out without the pieces: the delay of an implicit rejection runs on
    from the day after it ended, for what was left (the caller holds the mail's lock)."""
    due_on = suspension.pieces_due_on
    assert due_on is not None
    suspension.ended_on, suspension.lapsed = due_on, True
    suspension.save(update_fields=["ended_on", "lapsed"])
    _run_again(mail, suspension, due_on)
    mail.save(update_fields=_CLOCK_FIELDS)
    record_event(
        action="deadline.resumed",
        actor=actor,
        target=mail,
        details={
            "pieces_due_on": due_on,
            **({"late_pieces_on": late_pieces_on} if late_pieces_on else {}),
            "implicit_decision_date": mail.implicit_decision_date,
        },
    )
    return mail


def resume_lapsed_suspensions(today: datetime.date | None = None) -> int:
    """End the suspensions of SVR requests whose time for the pieces is over (L114-5 al. 3)."""
    today = today or timezone.localdate()
    lapsed = ClockSuspension.objects.filter(
        reason=SuspensionReason.MISSING_PIECES,
        ended_on__isnull=True,
        pieces_due_on__lt=today,
        mail__document_type__processing_mode=ProcessingMode.SVR,
    ).values_list("pk", "mail_id")
    done = 0
    for pk, mail_pk in list(lapsed):
        with transaction.atomic():
            mail = _locked(Mail(pk=mail_pk))
            suspension = ClockSuspension.objects.select_for_update().get(pk=pk)
            if suspension.ended_on is None:
                _lapse(mail, suspension)
                done += 1
    return done


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
    """Flag each open mail whose implicit decision is born (once); returns how many. Lapsed
    suspensions end first (their delay may end today)."""
    today = today or timezone.localdate()
    resume_lapsed_suspensions(today)
    due = Mail.objects.filter(
        status__in=OPEN_STATUSES,
        first_closed_on__isnull=True,
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
    if mail.status == MailStatus.CLOSED or mail.document_type is None or mail.first_closed_on:
        return False  # answered expressly: no implicit decision, even once reopened
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


def notice_context(mail: Mail, kind: str) -> dict[str, object]:
    """What a notice says, whatever carries it (e-mail or printed letter): the mentions of
    R112-5, the last suspension and, for missing pieces, what they do to the delay."""
    suspension = mail.clock_suspensions.order_by("-pk").first()
    doctype = mail.document_type
    mode = doctype.processing_mode if doctype else ""
    rejection_if_never = None
    if mode == ProcessingMode.SVR and suspension is not None and suspension.pieces_due_on:
        rejection_if_never = resumed(
            suspension.previous_implicit_decision_date,
            suspension.started_on,
            suspension.pieces_due_on,
            doctype.implicit_delay_unit if doctype else DelayUnit.MONTHS,
        )
    return {
        "mail": mail,
        "kind": kind,
        "legal": legal_mentions(mail),
        "suspension": suspension,
        "mode": str(mode),
        "rejection_if_never": rejection_if_never,
    }


def tell_requester(mail_pk: int, kind: str) -> RequesterNotice | None:
    """E-mail the notice; a requester without an e-mail address gets a letter instead: the
    notice waits, listed with the day's acknowledgments, and the mail is flagged, until it is
    printed (templates_office.letters)."""
    mail = Mail.objects.get(pk=mail_pk)
    if requester_email(mail):
        return notify_requester(mail_pk, kind)
    return queue_letter(mail, kind)


@transaction.atomic
def queue_letter(mail: Mail, kind: str) -> RequesterNotice:
    waiting = mail.notices.filter(kind=kind, channel=NoticeChannel.LETTER, sent_at__isnull=True)
    if waiting.exists():
        return waiting.get()
    link = mail.mail_contacts.filter(role=ContactRole.SENDER).select_related("contact").first()
    notice = RequesterNotice.objects.create(
        mail=mail,
        kind=kind,
        channel=NoticeChannel.LETTER,
        recipient=link.contact.display_name if link else "",
    )
    record_event(
        action="requester.letter_to_print",
        actor=None,
        target=mail,
        details={"kind": kind},
    )
    return notice


def notify_requester(mail_pk: int, kind: str, *, to: str = "") -> RequesterNotice | None:
    """E-mail the requester the notice of this kind (in French), kept and journaled; None when
    the mail has no requester's e-mail address (a letter is then printed from a template)."""
    mail = Mail.objects.select_related("document_type", "destination_entity").get(pk=mail_pk)
    address = to or requester_email(mail)
    if not address:
        return None
    with translation.override("fr"):
        context = notice_context(mail, kind)
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
    if channel == NoticeChannel.LETTER:  # the letter that waited is printed
        mail.notices.filter(
            kind=kind, channel=NoticeChannel.LETTER, sent_at__isnull=True, error=""
        ).exclude(pk=notice.pk).delete()
    record_event(
        action="acknowledgment.sent" if kind in ACKNOWLEDGMENT_KINDS else "requester.informed",
        actor=actor,
        target=copy,
        mail=mail,
        details={"kind": kind, "channel": channel, "sent_at": now, "sha256": sha256},
        personal={"to" if channel == NoticeChannel.EMAIL else "addressee": recipient},
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
        details={"kind": kind},
        personal={"to": recipient},
    )
    return notice
