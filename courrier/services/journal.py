"""Append events to the hash-chained journal, and verify the chain."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext as _

from courrier.events import JournalEventRecorded, MailChanged, publish
from courrier.models import JournalEvent, JournalHead, Mail, User
from courrier.services.seals import verify_seals

GENESIS_HASH = "0" * 64


def _canonical(value: Any) -> Any:
    """What the JSON column will give back, so that the stored details hash the same."""
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def event_hash(event: JournalEvent) -> str:
    payload = {
        "seq": event.seq,
        "timestamp": event.timestamp.astimezone(datetime.UTC).isoformat(),
        "actor": event.actor_id,
        "actor_name": event.actor_name,
        "on_behalf_of": event.on_behalf_of_id,
        "on_behalf_of_name": event.on_behalf_of_name,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "mail": event.mail_id,
        "details": event.details,
        "prev_hash": event.prev_hash,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _locked_head() -> JournalHead:
    # Creating the head lazily keeps a flushed database (tests, fresh installs) working.
    JournalHead.objects.bulk_create([JournalHead(pk=1)], ignore_conflicts=True)
    return JournalHead.objects.select_for_update().get(pk=1)


def record_event(
    *,
    action: str,
    actor: User | None,
    target: models.Model | None,
    mail: Mail | None = None,
    on_behalf_of: User | None = None,
    details: dict[str, Any] | None = None,
) -> JournalEvent:
    """Append one event; must run inside the transaction of the change it records.

    `target` is what changed; None for events about no stored object (a failed sign-in).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("record_event must be called inside transaction.atomic()")
    head = _locked_head()  # serialises appends so the chain has no fork
    event = JournalEvent(
        seq=head.seq + 1,
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
        prev_hash=head.hash,
    )
    event.hash = event_hash(event)
    event.save()
    head.seq, head.hash = event.seq, event.hash
    head.save(update_fields=["seq", "hash"])
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
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def _events() -> Iterator[JournalEvent]:
    return JournalEvent.objects.order_by("seq").iterator(chunk_size=2000)


def verify_journal() -> JournalReport:
    """Recompute every hash and link, and check the seals; report edited, deleted, inserted or
    reordered events, even when later hashes and the head were recomputed to hide it."""
    report = JournalReport()
    expected_seq, expected_prev = 1, GENESIS_HASH
    for event in _events():
        report.checked += 1
        if event.seq != expected_seq:
            report.problems.append(
                _("events #%(first)s..#%(last)s are missing (deleted)")
                % {"first": expected_seq, "last": event.seq - 1}
            )
        if event.prev_hash != expected_prev:
            report.problems.append(
                _("event #%(seq)s: its link to the previous event is broken") % {"seq": event.seq}
            )
        if event_hash(event) != event.hash:
            report.problems.append(
                _("event #%(seq)s: its content no longer matches its hash (edited)")
                % {"seq": event.seq}
            )
        expected_seq, expected_prev = event.seq + 1, event.hash
    head = JournalHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    if (head_seq, head_hash) != (expected_seq - 1, expected_prev):
        report.problems.append(
            _(
                "the journal head says #%(head)s but the last event is #%(last)s"
                " (events deleted at the end, or head altered)"
            )
            % {"head": head_seq, "last": expected_seq - 1}
        )
    sealed = verify_seals()
    report.seals = sealed.seals
    report.problems += sealed.problems
    return report
