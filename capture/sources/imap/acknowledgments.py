"""Electronic acknowledgments of mail received by e-mail (CRPA L112-11, R112-11-1 to -4).

An e-mail gets an acknowledgment of registration as soon as its mail exists (its type, hence
its delays, is not known before qualification), then the acknowledgment of receipt with the
mentions of R112-5 once the mail room has qualified it. A mailbox may be set not to
acknowledge (a service address that receives only notifications); automatic senders are
never answered, so that two robots cannot write to each other forever.
"""

from __future__ import annotations

import datetime
import logging
import re

from celery import shared_task
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from capture.models import ImapMessage
from courrier.events import MailChanged, MailRegistered, subscribe
from courrier.models import Channel, Mail, MailStatus, NoticeKind
from courrier.services.legal import notify_requester, requester_email

logger = logging.getLogger(__name__)
_ROBOTS = re.compile(r"^(no-?reply|ne-pas-repondre|mailer-daemon|postmaster|bounce)", re.I)


def _acknowledged_mailbox(mail_id: int) -> bool:
    message = (
        ImapMessage.objects.filter(inputs__mails__mail_id=mail_id).select_related("account").first()
    )
    return message is not None and message.account.acknowledge_senders


def acknowledge(mail_id: int, kind: str) -> bool:
    """Send the acknowledgment of this kind unless it was sent already or is not wanted."""
    mail = Mail.objects.filter(pk=mail_id, channel=Channel.EMAIL).first()
    if mail is None or mail.notices.filter(kind=kind, sent_at__isnull=False).exists():
        return False
    if kind == NoticeKind.REGISTRATION and mail.notices.filter(kind=NoticeKind.RECEIPT).exists():
        return False
    address = requester_email(mail)
    if not address or _ROBOTS.match(address) or not _acknowledged_mailbox(mail_id):
        return False
    notice = notify_requester(mail_id, kind, to=address)
    return notice is not None and notice.sent_at is not None


@shared_task(acks_late=True)
def acknowledge_task(mail_id: int, kind: str) -> bool:
    """Send one electronic acknowledgment (registration or receipt) of a mail received by
    e-mail."""
    return acknowledge(mail_id, kind)


def acknowledge_pending(days: int = 7) -> int:
    """Acknowledgments that could not leave (SMTP or broker down) are sent again, for mail
    received by e-mail in the last `days`; returns how many left."""
    since = timezone.now() - datetime.timedelta(days=days)
    recent = Mail.objects.filter(channel=Channel.EMAIL, created_at__gte=since)
    sent = 0
    for mail_id, status in recent.exclude(
        notices__kind=NoticeKind.RECEIPT, notices__sent_at__isnull=False
    ).values_list("pk", "status"):
        sent += acknowledge(mail_id, _kind_for(status))
    return sent


def _kind_for(status: str) -> str:
    # Until qualified, the type and so the delays are unknown: only the registration.
    return NoticeKind.REGISTRATION if status == MailStatus.TO_QUALIFY else NoticeKind.RECEIPT


def _queue(mail_id: int, kind: str) -> None:
    try:
        acknowledge_task.delay(mail_id, kind)
    except (BrokerUnreachable, OSError):
        logger.warning(
            "mail %s: broker unreachable, its acknowledgment will be sent later", mail_id
        )


def on_registered(event: MailRegistered) -> None:
    if event.channel == Channel.EMAIL:  # a mailbox rule may have qualified it already
        _queue(event.mail_id, _kind_for(event.status))


def on_changed(event: MailChanged) -> None:
    emailed = Mail.objects.filter(pk=event.mail_id, channel=Channel.EMAIL)
    if event.action == "mail.qualified" and emailed.exists():
        _queue(event.mail_id, NoticeKind.RECEIPT)


def connect() -> None:
    subscribe(MailRegistered, on_registered)
    subscribe(MailChanged, on_changed)
