"""Watch folders by polling (works on network shares): take each file once it is completely
written, claim it by an atomic rename, capture it, then move it to done/ or error/."""

from __future__ import annotations

import hashlib
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import (
    DatabaseError,
    InterfaceError,
    close_old_connections,
    connection,
    transaction,
)

from capture import sources
from capture.models import CaptureInput, InputStatus, SourceKind
from capture.options import CaptureOptions
from capture.services import receive_input
from capture.tasks import dispatch
from courrier.models import DocumentType, Entity
from courrier.services.operations import beat
from dropfolders import (
    DONE,
    ERROR,
    PROCESSING,
    claim_into,
    is_ignored,
    original_name,
    unique_path,
    write_reason,
)
from scanner_hotfolders.models import HotFolder

logger = logging.getLogger(__name__)


def _move(capture_input: CaptureInput, subfolder: str) -> Path | None:
    if not capture_input.source_ref:
        return None
    current = Path(capture_input.source_ref)
    if not current.is_file():
        return None
    root = current.parent.parent
    target = unique_path(root / subfolder, current.name)
    os.replace(current, target)
    reason = current.with_name(current.name + ".reason.txt")
    if reason.exists():
        reason.unlink()
    CaptureInput.objects.filter(pk=capture_input.pk).update(source_ref=str(target))
    capture_input.source_ref = str(target)
    return target


def _on_done(capture_input: CaptureInput) -> None:
    _move(capture_input, DONE)


def _on_error(capture_input: CaptureInput) -> None:
    target = _move(capture_input, ERROR)
    if target is not None:
        write_reason(
            target,
            f"{capture_input.error}\n"
            "Fix the file and drop it again, or retry from Bannette's capture errors screen.",
        )


def register_source_hooks() -> None:
    """Capture tells the hot folder when an input's mail is committed, or when it failed."""
    sources.register_hooks(SourceKind.HOTFOLDER, on_done=_on_done, on_error=_on_error)


def options_for(folder: HotFolder) -> CaptureOptions:
    """The hot folder's defaults for what is dropped into it."""
    return {
        "channel": folder.channel,
        "entity": folder.entity.code if folder.entity else None,
        "document_type": folder.document_type.code if folder.document_type else None,
        "split": folder.split_on_separators,
    }


def capture_claimed(folder: HotFolder, claimed: Path) -> CaptureInput:
    """Register the claimed file as an input (committed), then run the pipeline on it.

    A file still in processing/ whose input with the same bytes and the same claim was captured
    already (its move to done/ failed: a share hiccup, a worker killed in between) is not
    captured again: only its move is finished."""
    content = claimed.read_bytes()
    earlier = (
        CaptureInput.objects.filter(
            source_kind=SourceKind.HOTFOLDER,
            source_ref=str(claimed),  # its claim: done/ inputs point to done/ once moved
            sha256=hashlib.sha256(content).hexdigest(),
        )
        .order_by("-pk")
        .first()
    )
    if earlier is not None and earlier.status == InputStatus.DONE:
        logger.info(
            "hot folder %s: %s was captured already (input %s), moved to done/ now",
            folder.name,
            claimed.name,
            earlier.pk,
        )
        transaction.on_commit(lambda: sources.acknowledge(earlier))
        return earlier
    capture_input = earlier or receive_input(
        source_kind=SourceKind.HOTFOLDER,
        source_name=folder.name,
        source_ref=str(claimed),
        name=original_name(claimed),
        content=content,
        options=options_for(folder),
    )
    transaction.on_commit(lambda: dispatch(capture_input.pk))
    return capture_input


@dataclass
class FolderWatch:
    folder: HotFolder
    stable_seconds: float
    seen: dict[Path, tuple[int, int, float]] = field(default_factory=dict)
    # Files claimed into processing/ while the database was away wait for it there.
    needs_resume: bool = False

    @property
    def root(self) -> Path:
        return Path(self.folder.path)

    def _stable(self, path: Path, now: float) -> bool:
        try:
            stat = path.stat()
        except FileNotFoundError:
            self.seen.pop(path, None)
            return False
        signature = (stat.st_size, stat.st_mtime_ns)
        previous = self.seen.get(path)
        if previous is None or previous[:2] != signature:
            self.seen[path] = (*signature, now)
            return False
        return now - previous[2] >= self.stable_seconds

    def claim(self, path: Path) -> Path | None:
        target = claim_into(self.root, path)
        if target is not None:
            self.seen.pop(path, None)
        return target

    def resume(self) -> list[CaptureInput]:
        """Files claimed before a restart and not finished: capture them now."""
        folder = self.root / PROCESSING
        leftovers = sorted(folder.iterdir()) if folder.is_dir() else []
        return [capture_claimed(self.folder, path) for path in leftovers if path.is_file()]

    def poll(self, now: float | None = None) -> list[CaptureInput]:
        now = time.monotonic() if now is None else now
        if not self.root.is_dir():
            logger.warning("hot folder %s: %s is not a folder", self.folder.name, self.root)
            return []
        taken = []
        for path in sorted(p for p in self.root.iterdir() if p.is_file() and not is_ignored(p)):
            if self._stable(path, now):
                claimed = self.claim(path)
                if claimed is not None:
                    taken.append(capture_claimed(self.folder, claimed))
        return taken


def sync_folders_from_environment() -> None:
    """BANNETTE_HOTFOLDERS=name=/path[:ENTITY[:doctype]],... creates or updates folders."""
    for spec in settings.BANNETTE_HOTFOLDERS:
        name, _, rest = spec.partition("=")
        path, entity, doctype = [*rest.split(":"), "", ""][:3]
        HotFolder.objects.update_or_create(
            name=name.strip(),
            defaults={
                "path": path,
                "entity": Entity.objects.filter(code=entity).first() if entity else None,
                "document_type": DocumentType.objects.filter(code=doctype).first()
                if doctype
                else None,
            },
        )


def watches(stable_seconds: float | None = None) -> list[FolderWatch]:
    stable = (
        settings.BANNETTE_HOTFOLDER_STABLE_SECONDS if stable_seconds is None else stable_seconds
    )
    return [
        FolderWatch(f, stable)
        for f in HotFolder.objects.filter(active=True).select_related("entity", "document_type")
    ]


_last_beat = [0.0]  # monotonic time of the watcher's last heartbeat (one every 30 s)


def watch_cycle(folders: list[FolderWatch]) -> list[CaptureInput]:
    """One pass over the folders. The database or the broker going away does not stop the
    watcher: it logs, lets the connection go, and takes up what it left on a later pass."""
    if time.monotonic() - _last_beat[0] > 30:
        _last_beat[0] = time.monotonic()
        beat("hot-folder watcher", ", ".join(w.folder.name for w in folders))
    taken: list[CaptureInput] = []
    for watch in folders:
        try:
            if watch.needs_resume:
                taken += watch.resume()
                watch.needs_resume = False
            taken += watch.poll()
        except (DatabaseError, InterfaceError) as exc:
            logger.warning("hot folder %s: database unreachable (%s); retrying", watch.folder, exc)
            close_old_connections()
            connection.close()
            for other in folders:
                other.needs_resume = True
            break
    return taken
