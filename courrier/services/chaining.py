"""Link the committed events into the journal's chain, in commit order.

Each change writes its event without waiting (courrier.services.journal.record_event). Once
its transaction has committed, `chain_journal` links the waiting events in one short
transaction of its own: each JournalLink carries its position (no gaps), the event's number
and content hash, and the previous link's hash. One chainer runs at a time (the head row is
locked in each of its transactions). On PostgreSQL a process that finds another chainer at work
(an advisory lock) leaves its events to it at once: that one looks again once it has finished,
so it links those committed while it was busy. The periodic task and
the seals run it too: no event waits long for its link, even if a process died in between.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection, transaction

from courrier.chain import link_hash
from courrier.models import JournalEvent, JournalHead, JournalLink, JournalPending

logger = logging.getLogger(__name__)
CHAIN_BATCH = 2000


# The chainers' advisory lock on PostgreSQL ("jrnl"): a writer that finds it taken leaves at
# once, with one round trip, instead of queueing on the head row.
CHAINER_LOCK = 0x6A726E6C


def _locked_head() -> JournalHead:
    head = JournalHead.objects.select_for_update().filter(pk=1).first()
    if head is None:  # created lazily, so that a flushed database (tests, fresh installs) works
        JournalHead.objects.bulk_create([JournalHead(pk=1)], ignore_conflicts=True)
        head = JournalHead.objects.select_for_update().get(pk=1)
    return head


def _link_waiting() -> int:
    """Link the waiting events, a batch per transaction, the head row locked in each (which
    alone keeps two chainers from forking the chain)."""
    linked = 0
    while True:
        with transaction.atomic():
            head = _locked_head()
            waiting = list(
                JournalPending.objects.order_by("id").values_list("id", flat=True)[:CHAIN_BATCH]
            )
            content = dict(JournalEvent.objects.filter(seq__in=waiting).values_list("seq", "hash"))
            links = []
            for seq in waiting:
                if seq not in content:  # its event is gone: the verifier names the gap
                    continue
                link = JournalLink(position=head.seq + 1, event_id=seq, prev_hash=head.hash)
                link.hash = link_hash(link.position, seq, content[seq], link.prev_hash)
                head.seq, head.hash = link.position, link.hash
                links.append(link)
            if waiting:
                JournalLink.objects.bulk_create(links)
                JournalPending.objects.filter(id__in=waiting).delete()
                head.save(update_fields=["seq", "hash"])
            linked += len(links)
        if len(waiting) < CHAIN_BATCH:
            return linked


def chain_journal() -> int:
    """Link every committed event still waiting, in commit order; returns how many.

    On PostgreSQL, outside a transaction, returns at once when another chainer is at work:
    that one looks for waiting events again once it has finished, so it also links those
    committed while it was busy."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return _link_waiting()  # SQLite runs one writer at a time anyway
    linked = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [CHAINER_LOCK])
            (locked,) = cursor.fetchone()
        if not locked:
            return linked
        try:
            linked += _link_waiting()
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [CHAINER_LOCK])
        if not JournalPending.objects.exists():
            return linked


def _chain_after_commit() -> None:
    try:
        chain_journal()
    except DatabaseError:  # the change is committed; the periodic task links its event
        logger.exception("the journal's events could not be linked now")


def chain_once_committed() -> None:
    """Ask for one chaining run after this transaction commits, however many events it holds.

    A run asked for in an enclosing savepoint (or none) serves: rolling that savepoint back
    would drop this event too."""
    current = set(connection.savepoint_ids)
    if not any(  # entries are (savepoint ids, callback, robust)
        entry[1] is _chain_after_commit and entry[0] <= current
        for entry in connection.run_on_commit
    ):
        transaction.on_commit(_chain_after_commit)
