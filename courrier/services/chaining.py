"""Link the committed events into the journal's chain, in commit order.

Each change writes its event without waiting (courrier.services.journal.record_event). Once
its transaction has committed, `chain_journal` links the waiting events in one short
transaction of its own: each JournalLink carries its position (no gaps), the event's number
and content hash, and the previous link's hash. One chainer runs at a time, holding the head
row; a process that finds the head held leaves its events to the chainer at work, which looks
again after each commit, so it links those committed while it was busy. The periodic task and
the seals run it too: no event waits long for its link, even if a process died in between.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection, transaction

from courrier.chain import link_hash
from courrier.models import JournalEvent, JournalHead, JournalLink, JournalPending

logger = logging.getLogger(__name__)
CHAIN_BATCH = 2000


def _head_if_free() -> JournalHead | None:
    """The head row, locked for this transaction; None while another chainer holds it."""
    head = JournalHead.objects.select_for_update(skip_locked=True).filter(pk=1).first()
    if head is None and not JournalHead.objects.filter(pk=1).exists():
        # Created lazily, so that a flushed database (tests, fresh installs) works.
        JournalHead.objects.bulk_create([JournalHead(pk=1)], ignore_conflicts=True)
        head = JournalHead.objects.select_for_update(skip_locked=True).filter(pk=1).first()
    return head


def chain_journal() -> int:
    """Link every committed event still waiting, in commit order; returns how many.

    Returns at once when another chainer holds the head: that one looks for waiting events
    again after each commit, so it also links those committed while it was busy."""
    linked = 0
    while True:
        with transaction.atomic():
            head = _head_if_free()
            if head is None:
                return linked
            waiting = list(
                JournalPending.objects.order_by("id").values_list("id", flat=True)[:CHAIN_BATCH]
            )
            if not waiting:
                return linked
            content = dict(JournalEvent.objects.filter(seq__in=waiting).values_list("seq", "hash"))
            links = []
            for seq in waiting:
                if seq not in content:  # its event is gone: the verifier names the gap
                    continue
                link = JournalLink(position=head.seq + 1, event_id=seq, prev_hash=head.hash)
                link.hash = link_hash(link.position, seq, content[seq], link.prev_hash)
                head.seq, head.hash = link.position, link.hash
                links.append(link)
            JournalLink.objects.bulk_create(links)
            JournalPending.objects.filter(id__in=waiting).delete()
            head.save(update_fields=["seq", "hash"])
            linked += len(links)


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
