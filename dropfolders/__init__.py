"""Drop folders shared with other programs (scanners, an external parapheur).

Plain files, no Django app: a dropped entry is claimed by an atomic rename into `processing/`
(when several watchers race, one wins), then filed in `done/` or `error/` beside it, with a
`.reason.txt` an operator can read. Imports nothing of Bannette.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

PROCESSING, DONE, ERROR = "processing", "done", "error"
_TEMP_SUFFIXES = (".tmp", ".part", ".crdownload", ".filepart", ".partial", ".swp")


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def is_ignored(path: Path) -> bool:
    """Hidden, temporary and lock files are never taken."""
    name = path.name
    return name.startswith((".", "~", "_")) or name.lower().endswith(_TEMP_SUFFIXES)


def unique_path(folder: Path, name: str) -> Path:
    """`folder/name`, or `name-1`, `name-2`... when taken; the folder is created."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    counter = 1
    while target.exists():
        target = folder / f"{Path(name).stem}-{counter}{Path(name).suffix}"
        counter += 1
    return target


def claim_into(root: Path, path: Path) -> Path | None:
    """Take a dropped file or folder by renaming it into root/processing/ (atomic on one file
    system: when several watchers race, only one wins); None when someone else took it."""
    stamp = _now().strftime("%Y%m%d-%H%M%S-%f")
    target = unique_path(root / PROCESSING, f"{stamp}__{path.name}")
    try:
        os.replace(path, target)
    except OSError:
        return None
    return target


def original_name(claimed: Path) -> str:
    """The name the entry was dropped under, without the claim's time stamp."""
    return claimed.name.split("__", 1)[-1]


def write_reason(target: Path, reason: str) -> None:
    """`<entry>.reason.txt` beside the entry: when, and why it was set aside."""
    target.with_name(target.name + ".reason.txt").write_text(
        f"{_now():%Y-%m-%d %H:%M:%S %Z}\n{reason}\n", encoding="utf-8"
    )


def file_out(path: Path, subfolder: str, reason: str = "") -> Path:
    """Move a processed entry to done/ or error/ beside processing/, with the reason if any."""
    target = unique_path(path.parent.parent / subfolder, original_name(path))
    os.replace(path, target)
    if reason:
        write_reason(target, reason)
    return target
