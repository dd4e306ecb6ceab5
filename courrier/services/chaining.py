"""Link the committed events into the journal's chain, in commit order.

Each change writes its event without waiting (courrier.services.journal.record_event). Once
its transaction has committed, `chain_journal` links the waiting events in one short
transaction of its own: each JournalLink carries its position (no gaps), the event's number
and content hash, and the previous link's hash. One chainer runs at a time (the head row is
locked in each of its transactions). On PostgreSQL a process that finds another chainer at work
(an advisory lock) leaves its events to it at once: that one looks again once it has finished,
so it links those committed while it was busy. The periodic task and the seals run it too: no
event waits long for its link, even if a process died in between.

Only events Bannette wrote are linked: each carries a mark of origin made with the journal key,
which lives outside the database (BANNETTE_JOURNAL_KEY). An event inserted or rewritten in the
database by anyone else is refused (JournalRefusal) and named by the verifier. After each
batch, how far the chain reached is written outside the database too, beside the seals' copies
(journal-head.json, only ever forward): removing the last events and moving the head back is
named even before the next seal.
"""

from __future__ import annotations

import fcntl
import hmac
import json
import logging
import os
import threading
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection, transaction

from courrier.chain import event_mac, link_hash, marked_by
from courrier.models import JournalEvent, JournalHead, JournalLink, JournalPending, JournalRefusal

logger = logging.getLogger(__name__)
CHAIN_BATCH = 2000


# The chainers' advisory lock on PostgreSQL ("jrnl"), held for one transaction: a writer that
# finds it taken leaves at once instead of queueing on the head row.
CHAINER_LOCK = 0x6A726E6C
# A chainer that keeps finding new events stops after this many batches, so that a request is
# not held up by a busy organisation's appends; the next commit or the periodic task goes on.
MAX_BATCHES = 20


def journal_key() -> bytes:
    return settings.BANNETTE_JOURNAL_KEY.encode("utf-8")


CHECKPOINT = "journal-head.json"


def _checkpoint_path() -> Path:
    return Path(settings.BANNETTE_SEAL_DIR) / CHECKPOINT


def _checkpoint_mac(position: int, link: str) -> str:
    return event_mac(journal_key(), position, f"head:{link}")


def head_checkpoint() -> tuple[int, str, bool] | None:
    """How far the chain reached, as last written outside the database: (position, link hash,
    whether its mark was made with the journal key); None before the first link."""
    try:
        data = json.loads(_checkpoint_path().read_text(encoding="utf-8"))
        position, link = int(data["position"]), str(data["hash"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return 0, "", False
    return (
        position,
        link,
        hmac.compare_digest(str(data.get("mac")), _checkpoint_mac(position, link)),
    )


def _remember_head(position: int, link: str) -> None:
    """Write the chain's reach outside the database, only ever forward; never fails the chain."""
    path = _checkpoint_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with (path.parent / "journal-head.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # chainers of other processes write it too
            known = head_checkpoint()
            if known is not None and known[2] and known[0] >= position:
                return
            draft = path.parent / f"{CHECKPOINT}.{os.getpid()}.{threading.get_ident()}"
            record = {"position": position, "hash": link, "mac": _checkpoint_mac(position, link)}
            draft.write_text(json.dumps(record), encoding="utf-8")
            os.replace(draft, path)
    except OSError:
        logger.exception("the journal's reach could not be written to %s", path)


def _locked_head() -> JournalHead:
    head = JournalHead.objects.select_for_update().filter(pk=1).first()
    if head is None:  # created lazily, so that a flushed database (tests, fresh installs) works
        JournalHead.objects.bulk_create([JournalHead(pk=1)], ignore_conflicts=True)
        head = JournalHead.objects.select_for_update().get(pk=1)
    return head


def _others_at_work() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT NOT pg_try_advisory_xact_lock(%s)", [CHAINER_LOCK])
        row = cursor.fetchone()
    return bool(row and row[0])


def _link_batch(*, give_way: bool) -> tuple[int, int] | None:
    """Link up to CHAIN_BATCH waiting events in one transaction, the head row locked (which
    alone keeps two chainers from forking the chain). Returns how many waiting events were
    taken and how many linked; None when giving way to another chainer."""
    with transaction.atomic():
        if give_way and _others_at_work():
            return None
        head = _locked_head()
        waiting = list(
            JournalPending.objects.order_by("id").values_list("id", flat=True)[:CHAIN_BATCH]
        )
        if not waiting:
            return 0, 0
        events = JournalEvent.objects.in_bulk(waiting, field_name="seq")
        key = journal_key()
        links, refused = [], []
        for seq in waiting:
            event = events.get(seq)
            if event is None:  # its event is gone: the verifier names the gap
                continue
            if not marked_by(key, event):
                refused.append(JournalRefusal(event_seq=seq))
                continue
            link = JournalLink(position=head.seq + 1, event_id=seq, prev_hash=head.hash)
            link.hash = link_hash(link.position, seq, event.hash, link.prev_hash)
            head.seq, head.hash = link.position, link.hash
            links.append(link)
        JournalLink.objects.bulk_create(links)
        JournalRefusal.objects.bulk_create(refused, ignore_conflicts=True)
        JournalPending.objects.filter(id__in=waiting).delete()
        head.save(update_fields=["seq", "hash"])
        if refused:
            logger.error(
                "journal events refused (not written by Bannette): %s",
                ", ".join(f"#{r.event_seq}" for r in refused),
            )
        if links:
            position, reach = head.seq, head.hash
            transaction.on_commit(lambda: _remember_head(position, reach))
        return len(waiting), len(links)


def chain_journal() -> int:
    """Link the committed events still waiting, in commit order; returns how many.

    On PostgreSQL, outside a transaction, returns at once when another chainer is at work:
    that one looks for waiting events again once it has committed, so it also links those
    committed while it was busy."""
    give_way = connection.vendor == "postgresql" and not connection.in_atomic_block
    linked = 0
    for _batch in range(MAX_BATCHES):
        done = _link_batch(give_way=give_way)
        if done is None:
            return linked
        taken, made = done
        linked += made
        if taken == CHAIN_BATCH:
            continue
        if not give_way or not JournalPending.objects.exists():
            return linked  # (with no one to give way to, nothing can have been left behind)
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
