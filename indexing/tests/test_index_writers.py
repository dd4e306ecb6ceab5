"""The whoosh index under several writer processes, and after a writer dies mid-write."""

from __future__ import annotations

import multiprocessing
import os
import signal

from indexing import whoosh_backend
from indexing.documents import MailDocument


def doc(n: int) -> MailDocument:
    return MailDocument(
        id=n,
        chrono=f"C{n}",
        subject=f"courrier {n}",
        text="platane tombé",
        contacts="",
        notes="",
        custom="",
        keywords=[],
        document_type="",
        entity="",
        status="to_qualify",
        category="incoming",
        channel="paper",
        arrival=None,
        due=None,
        closing=None,
        confidential=False,
        destination_entity=None,
    )


def _write_many(start: int, count: int) -> None:
    for n in range(start, start + count):  # one commit each: as much lock contention as possible
        whoosh_backend.write([doc(n)])


def _die_while_writing(ready) -> None:
    writer = whoosh_backend.open_index().writer()
    for n in range(1000, 1100):
        writer.add_document(id=str(n), subject="jamais validé")
    ready.send("holding the lock")
    signal.pause()  # killed here, before commit


def count() -> int:
    with whoosh_backend.open_index().searcher() as searcher:
        return searcher.doc_count()


def test_concurrent_writer_processes_lose_nothing(settings, tmp_path):
    settings.BANNETTE_INDEX_DIR = tmp_path / "index"
    whoosh_backend.clear()
    fork = multiprocessing.get_context("fork")
    workers = [fork.Process(target=_write_many, args=(i * 100, 15)) for i in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    assert count() == 45


def test_a_writer_killed_mid_write_leaves_a_usable_index(settings, tmp_path):
    settings.BANNETTE_INDEX_DIR = tmp_path / "index"
    whoosh_backend.clear()
    whoosh_backend.write([doc(1)])
    fork = multiprocessing.get_context("fork")
    parent, child = fork.Pipe()
    dying = fork.Process(target=_die_while_writing, args=(child,))
    dying.start()
    assert parent.recv() == "holding the lock"
    assert dying.pid is not None
    os.kill(dying.pid, signal.SIGKILL)
    dying.join(10)
    whoosh_backend.write([doc(2)])  # the lock died with its holder
    assert count() == 2  # the uncommitted documents never appear; nothing is corrupted


def test_a_search_opening_the_index_during_a_commit_finds_the_newer_files(
    settings, tmp_path, monkeypatch
):
    """Whoosh lists the newest table of contents, then opens it; a commit in between deletes
    it. That interleaving cannot be forced between real processes, so the listing is made to
    return the generation the commit just removed, once."""
    from whoosh.index import TOC

    settings.BANNETTE_INDEX_DIR = tmp_path / "index"
    whoosh_backend.clear()
    whoosh_backend.write([doc(1)])
    latest = TOC._latest_generation
    calls = []

    def listed_before_the_commit(storage, indexname):
        calls.append(indexname)
        newest = latest(storage, indexname)
        return newest - 1 if len(calls) == 1 else newest

    monkeypatch.setattr(TOC, "_latest_generation", listed_before_the_commit)
    assert whoosh_backend._searcher().doc_count() == 1
    assert len(calls) > 1  # the stale listing was really served, then read again
