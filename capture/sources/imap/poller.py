"""Take new messages from IMAP mailboxes; acknowledge them only once their mail is committed."""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from imapclient import IMAPClient

from capture import sources
from capture.classify import fold
from capture.models import (
    CaptureInput,
    ImapAccount,
    ImapMessage,
    ImapMode,
    ImapPostAction,
    ImapSecurity,
    InputStatus,
    SourceKind,
)
from capture.options import CaptureOptions
from capture.services import receive_input
from capture.sniff import EMAIL, IMAGES, PDF, sniff
from capture.sources.imap.message import ParsedMessage, parse
from capture.tasks import dispatch
from config.env import env_secret
from courrier.models import Channel, Contact, ContactKind
from courrier.services.contacts import find_or_create_contact
from courrier.services.operations import beat

logger = logging.getLogger(__name__)
CAPTURABLE = {PDF, EMAIL, *IMAGES}  # what an attachment must be to become a mail of its own


def connect(account: ImapAccount) -> IMAPClient:
    client = IMAPClient(
        account.host, port=account.port, ssl=account.security == ImapSecurity.SSL, timeout=60
    )
    if account.security == ImapSecurity.STARTTLS:
        client.starttls()
    password = env_secret(account.password_env)
    if not password:
        raise RuntimeError(f"IMAP account {account.name}: ${account.password_env} is not set")
    client.login(account.username, password)
    return client


def _options(account: ImapAccount, parsed: ParsedMessage) -> CaptureOptions:
    options: CaptureOptions = {
        "channel": Channel.EMAIL,
        "split": False,
        "subject": parsed.subject or None,
        "entity": account.entity.code if account.entity else None,
        "document_type": account.document_type.code if account.document_type else None,
    }
    headers = {
        "from": f"{parsed.sender_name} {parsed.sender_email}",
        "to": parsed.to,
        "subject": parsed.subject,
    }
    for rule in account.rules.select_related("entity", "document_type"):
        if fold(rule.contains) in fold(headers[rule.header]):
            if rule.entity:
                options["entity"] = rule.entity.code
            if rule.document_type:
                options["document_type"] = rule.document_type.code
            break
    if parsed.sender_email:
        options["sender_contact"] = _sender(parsed).pk
    return options


def _sender(parsed: ParsedMessage) -> Contact:
    """The known contact with this address, or a new one (same duplicate rules as the UI)."""
    name = parsed.sender_name.strip() or parsed.sender_email.split("@")[0]
    first, _, last = name.rpartition(" ")
    candidate = Contact(
        kind=ContactKind.PERSON, first_name=first, last_name=last or name, email=parsed.sender_email
    )
    known = Contact.objects.filter(
        normalized_email=parsed.sender_email.casefold(), active=True
    ).first()
    return known or find_or_create_contact(actor=None, candidate=candidate)


def _already_taken(account: ImapAccount, message_id: str) -> ImapMessage | None:
    """The same message taken before under another UIDVALIDITY (the server renumbered)."""
    if not message_id:
        return None
    return ImapMessage.objects.filter(account=account, message_id=message_id).order_by("pk").first()


@transaction.atomic
def _take(account: ImapAccount, uidvalidity: int, uid: int, raw: bytes) -> ImapMessage:
    parsed = parse(raw)
    earlier = _already_taken(account, parsed.message_id[:500])
    message = ImapMessage.objects.create(
        account=account, uidvalidity=uidvalidity, uid=uid, message_id=parsed.message_id[:500]
    )
    if earlier is not None:
        # Same message, new number: link it to the mail already made, and acknowledge it.
        message.inputs.set(earlier.inputs.all())
        transaction.on_commit(partial(_acknowledge_by_pk, message.pk))
        return message
    options = _options(account, parsed)
    ref = f"{account.name}/{uidvalidity}/{uid}"

    def received(name: str, content: bytes) -> CaptureInput:
        return receive_input(
            source_kind=SourceKind.IMAP,
            source_name=account.name,
            source_ref=ref,
            name=name,
            content=content,
            options=options,
        )

    files = parsed.attachments if account.mode == ImapMode.ATTACHMENTS else []
    readable = [a for a in files if sniff(a.content[:1024]) in CAPTURABLE]
    inputs = [received(a.name, a.content) for a in readable]
    if not inputs or len(readable) < len(files):
        # The message itself too when some files cannot become mail of their own (a .docx, a
        # .zip): it carries them, so nothing is lost and nothing waits on an impossible input.
        inputs.append(received("message.eml", raw))
    message.inputs.set(inputs)
    for capture_input in inputs:
        transaction.on_commit(partial(_queue, capture_input.pk))
    return message


def _queue(input_id: int) -> None:
    dispatch(input_id)


def poll_account(account: ImapAccount) -> list[ImapMessage]:
    """Take every message not taken yet (by UIDVALIDITY + UID); nothing is changed on the server."""
    taken = []
    with connect(account) as client:
        uidvalidity = int(client.select_folder(account.folder)[b"UIDVALIDITY"])
        if account.uidvalidity != uidvalidity:
            logger.warning("IMAP %s: UIDVALIDITY is now %s", account.name, uidvalidity)
            ImapAccount.objects.filter(pk=account.pk).update(uidvalidity=uidvalidity)
        known = set(
            ImapMessage.objects.filter(account=account, uidvalidity=uidvalidity).values_list(
                "uid", flat=True
            )
        )
        for uid in sorted(set(client.search(["ALL"])) - known):
            fetched = client.fetch([uid], ["BODY.PEEK[]"]).get(uid, {})
            raw = fetched.get(b"BODY[]")
            if raw:
                taken.append(_take(account, uidvalidity, uid, raw))
    return taken


def acknowledge_message(message: ImapMessage) -> bool:
    """Apply the post-action once every input of the message is done; True when applied."""
    if message.acknowledged_at or message.inputs.exclude(status=InputStatus.DONE).exists():
        return False
    account = message.account
    with connect(account) as client:
        current = int(client.select_folder(account.folder)[b"UIDVALIDITY"])
        if current != message.uidvalidity:
            logger.warning(
                "IMAP %s: UIDVALIDITY changed, message %s left as is", account.name, message
            )
            return False
        if account.post_action == ImapPostAction.SEEN:
            client.add_flags([message.uid], [b"\\Seen"])
        elif account.post_action == ImapPostAction.MOVE:
            client.move([message.uid], account.move_to)
        else:
            client.delete_messages([message.uid])
            client.expunge()
    ImapMessage.objects.filter(pk=message.pk).update(acknowledged_at=timezone.now())
    return True


def _acknowledge_by_pk(message_pk: int) -> None:
    acknowledge_message(ImapMessage.objects.select_related("account").get(pk=message_pk))


def _on_done(capture_input: CaptureInput) -> None:
    for message in capture_input.imap_messages.select_related("account"):
        acknowledge_message(message)


def _on_error(capture_input: CaptureInput) -> None:
    """Nothing to do on the server: the message stays untouched until a retry succeeds."""


sources.register_hooks(SourceKind.IMAP, on_done=_on_done, on_error=_on_error)


def poll_and_report(account: ImapAccount) -> int:
    """Poll one mailbox and leave its sign of life (or its failure) on the system page."""
    try:
        taken = poll_account(account)
    except Exception as exc:
        logger.exception("IMAP mailbox %s could not be polled", account.name)
        beat(f"imap:{account.name}", f"{type(exc).__name__}: {exc}"[:300], healthy=False)
        raise
    beat(f"imap:{account.name}", _("%(n)s new message(s)") % {"n": len(taken)})
    return len(taken)
