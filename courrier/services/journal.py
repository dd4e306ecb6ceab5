"""Append events to the hash-chained journal, and verify the chain.

An event is written in the transaction of the change it records, numbered by a row of
JournalPending: nothing is locked, so changes across the organisation commit side by side.
Its link into the chain is written once that transaction has committed
(courrier.services.chaining)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext as _

from courrier.chain import (
    GENESIS_HASH,
    event_hash,
    event_mac,
    has_mark,
    link_hash,
    marked_by,
    personal_digest,
)
from courrier.events import JournalEventRecorded, MailChanged, publish
from courrier.models import (
    JournalEvent,
    JournalHead,
    JournalLink,
    JournalPending,
    JournalPersonal,
    Mail,
    User,
)
from courrier.services.chaining import (
    CHAIN_BATCH,
    CHECKPOINT,
    chain_journal,
    chain_once_committed,
    head_checkpoint,
    journal_key,
)
from courrier.services.seals import verify_seals


def _canonical(value: Any) -> Any:
    """What the JSON column will give back, so that the stored details hash the same."""
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def record_event(
    *,
    action: str,
    actor: User | None,
    target: models.Model | None,
    mail: Mail | None = None,
    on_behalf_of: User | None = None,
    details: dict[str, Any] | None = None,
    personal: dict[str, Any] | None = None,
) -> JournalEvent:
    """Append one event; must run inside the transaction of the change it records.

    `target` is what changed; None for events about no stored object (a failed sign-in).
    `personal` is what the event says of a person (names, addresses, free text): kept beside
    the event (JournalPersonal), its salted digest in the hashed details, so it can be erased
    while the chain still verifies. `details` hold only references and codes.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("record_event must be called inside transaction.atomic()")
    number = JournalPending.objects.create()  # waits for no one: the chain comes at commit
    details = dict(details or {})
    kept = {
        key: value for key, value in _canonical(personal or {}).items() if value not in ("", None)
    }
    salt = secrets.token_hex(16) if kept else ""
    if kept:
        details["personal"] = personal_digest(salt, kept)
    event = JournalEvent(
        seq=number.pk,
        timestamp=timezone.now(),
        actor=actor,
        actor_name=actor.get_username() if actor else "system",
        on_behalf_of=on_behalf_of,
        on_behalf_of_name=on_behalf_of.get_username() if on_behalf_of else "",
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        mail=mail if mail is not None else (target if isinstance(target, Mail) else None),
        details=_canonical(details or {}),
        prev_hash="",  # its place in the chain is its link, written once it is committed
    )
    event.hash = event_hash(event)
    event.mac = event_mac(journal_key(), event.seq, event.hash)
    event.save(force_insert=True)
    if kept:
        JournalPersonal.objects.create(event_seq=event.seq, mail=event.mail, salt=salt, data=kept)
    chain_once_committed()
    _publish(event)
    return event


def _publish(event: JournalEvent) -> None:
    """Every change is journaled here, so this is where the apps above hear of it."""
    publish(
        JournalEventRecorded(
            seq=event.seq,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            mail_id=event.mail_id,
            actor_id=event.actor_id,
            on_behalf_of_id=event.on_behalf_of_id,
        )
    )
    if event.mail_id is not None:
        publish(
            MailChanged(
                mail_id=event.mail_id, action=event.action, seq=event.seq, actor_id=event.actor_id
            )
        )


@dataclass
class JournalReport:
    checked: int = 0
    seals: int = 0
    waiting: int = 0  # committed a moment ago, not linked yet: no problem
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def _links() -> Iterator[list[tuple[JournalLink, JournalEvent | None]]]:
    """The chain in order, a batch at a time, each link with its event (None when deleted)."""
    batch: list[JournalLink] = []

    def with_events() -> list[tuple[JournalLink, JournalEvent | None]]:
        events = JournalEvent.objects.in_bulk([link.event_id for link in batch], field_name="seq")
        return [(link, events.get(link.event_id)) for link in batch]

    for link in JournalLink.objects.order_by("position").iterator(chunk_size=CHAIN_BATCH):
        batch.append(link)
        if len(batch) == CHAIN_BATCH:
            yield with_events()
            batch = []
    if batch:
        yield with_events()


def _link_problems(
    link: JournalLink, event: JournalEvent | None, expected_position: int, expected_prev: str
) -> list[str]:
    problems = []
    if link.position != expected_position:
        problems.append(
            _("links #%(first)s..#%(last)s of the chain are missing (deleted)")
            % {"first": expected_position, "last": link.position - 1}
        )
    if event is None:
        return [
            *problems,
            _("link #%(position)s: its event #%(seq)s is missing (deleted)")
            % {"position": link.position, "seq": link.event_id},
        ]
    if event_hash(event) != event.hash:
        problems.append(
            _("event #%(seq)s: its content no longer matches its hash (edited)")
            % {"seq": event.seq}
        )
    elif not has_mark(journal_key(), event):
        problems.append(
            _(
                "event #%(seq)s: its mark of origin is missing or false (written or rewritten"
                " in the database, not by Bannette)"
            )
            % {"seq": event.seq}
        )
    linked = link_hash(link.position, event.seq, event.hash, link.prev_hash)
    if link.prev_hash != expected_prev or linked != link.hash:
        problems.append(
            _("event #%(seq)s: its link to the previous event is broken") % {"seq": event.seq}
        )
    return problems


def _unlinked_events() -> list[int]:
    """Events that have no link and wait for none: inserted, or their link deleted."""
    return list(
        JournalEvent.objects.exclude(seq__in=JournalLink.objects.values("event_id"))
        .exclude(seq__in=JournalPending.objects.values("id"))
        .order_by("seq")
        .values_list("seq", flat=True)
    )


def _unlinked_problems() -> list[str]:
    key, problems = journal_key(), []
    for event in JournalEvent.objects.filter(seq__in=_unlinked_events()).order_by("seq"):
        if marked_by(key, event):
            message = _("event #%(seq)s is in no link of the chain (inserted, or its link deleted)")
        else:
            message = _(
                "event #%(seq)s was not written by Bannette (no valid mark of origin): inserted"
                " into the database, refused from the chain"
            )
        problems.append(message % {"seq": event.seq})
    return problems


def _reach_problems(last_position: int) -> list[str]:
    """Compare the chain with how far it reached, as written outside the database."""
    reach = head_checkpoint()
    if reach is None:
        return []
    position, link, marked = reach
    if not marked:
        return [
            _("the journal's reach outside the database (%(file)s) is altered")
            % {"file": CHECKPOINT}
        ]
    if position > last_position:
        return [
            _(
                "the chain ends at link #%(last)s but had reached link #%(reach)s"
                " (links and events removed at the end)"
            )
            % {"last": last_position, "reach": position}
        ]
    kept = JournalLink.objects.filter(position=position).values_list("hash", flat=True).first()
    if kept != link:
        return [
            _("link #%(position)s is not the one the chain had (the chain was rewritten)")
            % {"position": position}
        ]
    return []


def verify_journal(*, link_waiting: bool = True) -> JournalReport:
    """Recompute every hash and link, and check the seals; report edited, deleted, inserted or
    reordered events, even when later hashes and the head were recomputed to hide it.

    The events committed a moment ago are linked first, unless `link_waiting` is False; those
    still waiting are counted, not reported."""
    if link_waiting:
        chain_journal()
    report = JournalReport()
    expected_position, expected_prev = 1, GENESIS_HASH
    for batch in _links():
        for link, event in batch:
            report.checked += event is not None
            report.problems += _link_problems(link, event, expected_position, expected_prev)
            expected_position, expected_prev = link.position + 1, link.hash
    report.problems += _unlinked_problems()
    report.waiting = JournalPending.objects.count()
    head = JournalHead.objects.filter(pk=1).first()
    head_position, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    if (head_position, head_hash) != (expected_position - 1, expected_prev):
        report.problems.append(
            _(
                "the journal head says link #%(head)s but the chain ends at link #%(last)s"
                " (events deleted at the end, or head altered)"
            )
            % {"head": head_position, "last": expected_position - 1}
        )
    report.problems += _reach_problems(expected_position - 1)
    sealed = verify_seals()
    report.seals = sealed.seals
    report.problems += sealed.problems
    return report
