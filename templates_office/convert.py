"""Office documents to PDF with LibreOffice headless: one conversion at a time per worker.

Each worker process has its own LibreOffice profile (two soffice processes on one profile
block each other), a file lock so that the threads of one worker convert in turn, and a
timeout after which the soffice process group is killed.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings


class ConversionFailed(RuntimeError):
    """LibreOffice did not produce a PDF; the message says why."""


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise ConversionFailed(
            "LibreOffice (soffice) is not installed: ./dev installs libreoffice-writer-nogui"
        )
    return found


def _profile_dir() -> Path:
    base = Path(settings.DATA_DIR) / "libreoffice"
    profile = base / f"profile-{os.getpid()}"
    profile.mkdir(parents=True, exist_ok=True)
    return profile


def to_pdf(content: bytes, suffix: str, *, timeout: int | None = None) -> bytes:
    """Convert one document (.docx, .odt, .doc, .rtf) to PDF bytes."""
    return to_pdfs([content], suffix, timeout=timeout)[0]


def to_pdfs(contents: Sequence[bytes], suffix: str, *, timeout: int | None = None) -> list[bytes]:
    """Convert documents to PDF in one LibreOffice run (it starts once: a day's letters go in
    the time of a few); the timeout grows with their number."""
    timeout = (timeout or settings.BANNETTE_CONVERSION_TIMEOUT) * max(1, len(contents) // 10 + 1)
    profile = _profile_dir()
    with open(profile / ".lock", "w") as lock, tempfile.TemporaryDirectory() as work:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one soffice per profile at a time
        sources = [Path(work) / f"document-{n:04d}{suffix}" for n in range(len(contents))]
        for source, content in zip(sources, contents, strict=True):
            source.write_bytes(content)
        command = [
            _soffice(),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            work,
            *(str(source) for source in sources),
        ]
        process = subprocess.Popen(  # noqa: S603 - fixed program, our own temp paths
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )
        try:
            _out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise ConversionFailed(f"LibreOffice took more than {timeout} s") from exc
        results = [source.with_suffix(".pdf") for source in sources]
        if process.returncode != 0 or any(
            not result.exists() or result.stat().st_size == 0 for result in results
        ):
            detail = (
                err.decode("utf-8", "replace").strip()[-500:] or f"exit code {process.returncode}"
            )
            raise ConversionFailed(f"LibreOffice could not convert the document: {detail}")
        return [result.read_bytes() for result in results]
