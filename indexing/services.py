"""Search facade: index mail after each change, rebuild, and search inside the perimeter."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import ModuleType

from django.conf import settings
from django.db import transaction

from courrier.models import Mail, User
from courrier.selectors import perimeter_of
from indexing import postgres_backend, whoosh_backend
from indexing.documents import documents
from indexing.query import SearchQuery, SearchResults

logger = logging.getLogger(__name__)


def _postgres() -> bool:
    return settings.BANNETTE_SEARCH_BACKEND == "postgres"


def _backend() -> ModuleType:
    return postgres_backend if _postgres() else whoosh_backend


def index_mails(mail_ids: Iterable[int]) -> int:
    """(Re)index these mails; ids of deleted mails are removed from the index."""
    ids = set(mail_ids)
    docs = list(documents(ids))
    gone = ids - {d.id for d in docs}
    return int(_backend().write(docs, removed=gone))


# Mail ids changed while indexing is deferred (bulk loads); None when it is not.
_deferred: ContextVar[set[int] | None] = ContextVar("deferred_indexing", default=None)


@contextmanager
def indexing_deferred(batch: int = 500) -> Iterator[None]:
    """Index the mails changed inside this block once, at its end (bulk loads, the demo)."""
    pending: set[int] = set()
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    ids = sorted(pending)
    for start in range(0, len(ids), batch):
        index_mails(ids[start : start + batch])


def schedule_indexing(mail_id: int) -> None:
    """PostgreSQL: update now, in the change's transaction. Whoosh: after commit, in a worker,
    one task (and one index commit) for all the mails the transaction changed."""
    pending = _deferred.get()
    if pending is not None:
        pending.add(mail_id)
        return
    if _postgres():
        index_mails([mail_id])
        return
    if not transaction.get_connection().in_atomic_block:
        _queue_indexing([mail_id])
        return
    _this_transaction_batch().ids.add(mail_id)


class _AfterCommit:
    """The mails one transaction changed, queued together once it commits."""

    def __init__(self) -> None:
        self.ids: set[int] = set()

    def __call__(self) -> None:
        _queue_indexing(sorted(self.ids))


def _this_transaction_batch() -> _AfterCommit:
    """The batch already waiting for this transaction's commit, or a new one (a rollback
    drops it with the transaction's other on-commit callbacks)."""
    for _savepoints, callback, *_robust in transaction.get_connection().run_on_commit:
        if isinstance(callback, _AfterCommit):
            return callback
    batch = _AfterCommit()
    transaction.on_commit(batch)
    return batch


def _queue_indexing(mail_ids: list[int]) -> None:
    from indexing.tasks import index_mail_batch

    try:
        index_mail_batch.delay(mail_ids)
    except Exception:  # the change is committed; a stale index entry is repaired by `reindex`
        logger.exception("could not queue the indexing of mails %s", mail_ids)


def purge(mail_id: int) -> None:
    """Index the mail as it is now and leave no trace of what it was (whoosh merges its
    segments; PostgreSQL's row is replaced in place)."""
    index_mails([mail_id])
    if not _postgres():
        whoosh_backend.optimize()


def rebuild(progress: Callable[[int], None] | None = None, batch: int = 500) -> int:
    """Empty the index and index every mail again, in batches."""
    backend = _backend()
    backend.clear()
    done = 0
    ids = list(Mail.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        done += backend.write(documents(chunk))
        if progress:
            progress(len(chunk))
    return done


def search(
    user: User, query: SearchQuery, *, page: int = 1, page_size: int | None = None
) -> SearchResults:
    size = page_size or settings.BANNETTE_PAGE_SIZE
    if _postgres():
        return postgres_backend.search(user, query, page=page, page_size=size)
    return whoosh_backend.search(query, perimeter_of(user), page=page, page_size=size)


def check() -> None:
    """Raise when the index cannot be read (for /healthz)."""
    if _postgres():
        postgres_backend.check()
    else:
        whoosh_backend.check()
