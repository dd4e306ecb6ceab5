"""Office documents to PDF with LibreOffice: one long-lived converter per worker process.

LibreOffice takes most of a second to start, and a reply's PDF a tenth of that to convert. So
each worker process keeps one LibreOffice running (unoserver, from PyPI, run by Debian's
python3-uno) on its own profile and loopback ports, converts one document at a time through it,
kills it when a conversion passes the timeout, and starts a fresh one when it died (crash,
timeout, killed). Without unoserver (BANNETTE_UNOSERVER empty or missing), each conversion
starts its own headless LibreOffice, as before: a profile per worker, a file lock so that the
threads of one worker convert in turn, the process group killed at the timeout.
"""

from __future__ import annotations

import atexit
import fcntl
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import xmlrpc.client
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


class ConversionFailed(RuntimeError):
    """LibreOffice did not produce a PDF; the message says why, in the user's language."""


def _took_too_long(seconds: float) -> str:
    return _("LibreOffice took more than %(seconds)s s") % {"seconds": seconds}


def _could_not_convert(detail: str) -> str:
    return _("LibreOffice could not convert the document: %(detail)s") % {"detail": detail}


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise ConversionFailed(_("LibreOffice is not installed on this server"))
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
    """Convert documents to PDF, each within the timeout (BANNETTE_CONVERSION_TIMEOUT)."""
    seconds = timeout or settings.BANNETTE_CONVERSION_TIMEOUT
    server = office_server()
    if server is not None:
        return [server.convert(content, timeout=seconds) for content in contents]
    return _started_each_time(contents, suffix, timeout=seconds)


def _started_each_time(contents: Sequence[bytes], suffix: str, *, timeout: int) -> list[bytes]:
    """Convert documents in one LibreOffice run started for them; the timeout grows with their
    number."""
    timeout = timeout * max(1, len(contents) // 10 + 1)
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
            raise ConversionFailed(_took_too_long(timeout)) from exc
        results = [source.with_suffix(".pdf") for source in sources]
        if process.returncode != 0 or any(
            not result.exists() or result.stat().st_size == 0 for result in results
        ):
            detail = (
                err.decode("utf-8", "replace").strip()[-500:] or f"exit code {process.returncode}"
            )
            raise ConversionFailed(_could_not_convert(detail))
        return [result.read_bytes() for result in results]


class _TimedTransport(xmlrpc.client.Transport):
    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def make_connection(self, host: object) -> object:  # type: ignore[override]
        connection = super().make_connection(host)  # type: ignore[arg-type]
        connection.timeout = self._timeout
        return connection


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class OfficeServer:
    """One LibreOffice kept running by unoserver for this process, on its own profile."""

    def __init__(self, executable: str, profile: Path) -> None:
        self.executable, self.profile = executable, profile
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.lock = threading.Lock()  # LibreOffice converts one document at a time

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def convert(self, content: bytes, *, timeout: float) -> bytes:
        with self.lock:
            if not self.alive():
                self._start()
            try:
                result = self._proxy(timeout).convert(
                    None, xmlrpc.client.Binary(content), None, "pdf"
                )
            except TimeoutError as exc:
                self.stop()
                raise ConversionFailed(_took_too_long(timeout)) from exc
            except (OSError, xmlrpc.client.Error) as exc:
                self.stop()  # crashed or refused the document: the next one gets a fresh one
                logger.warning("LibreOffice (unoserver) failed on a document: %s", exc)
                raise ConversionFailed(
                    _could_not_convert(_("the file may be damaged, or not an office document"))
                ) from exc
        data = result.data if isinstance(result, xmlrpc.client.Binary) else b""
        if not data.startswith(b"%PDF"):
            raise ConversionFailed(_could_not_convert(_("no PDF came back")))
        return data

    def _proxy(self, timeout: float) -> xmlrpc.client.ServerProxy:
        return xmlrpc.client.ServerProxy(
            f"http://127.0.0.1:{self.port}", transport=_TimedTransport(timeout), allow_none=True
        )

    def _start(self) -> None:
        self.stop()
        self.port = _free_port()
        command = [
            self.executable,
            "--interface=127.0.0.1",
            f"--port={self.port}",
            "--uno-interface=127.0.0.1",
            f"--uno-port={_free_port()}",
            f"--user-installation={self.profile}",
            f"--conversion-timeout={settings.BANNETTE_CONVERSION_TIMEOUT}",
            "--quiet",
        ]
        self.process = subprocess.Popen(  # noqa: S603 - our configured program, our own paths
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        """LibreOffice takes a few seconds to start (more on a first profile)."""
        deadline = time.monotonic() + settings.BANNETTE_CONVERSION_TIMEOUT
        proxy = self._proxy(5)
        while time.monotonic() < deadline and self.alive():
            try:
                proxy.info()
                return
            except (OSError, xmlrpc.client.Error):
                time.sleep(0.2)  # polling a starting process: nothing to wait on but its port
        self.stop()
        raise ConversionFailed(_("LibreOffice (unoserver) did not start"))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)  # unoserver and its LibreOffice
            self.process.wait()
            _wait_until_gone(self.process.pid)
        self.process = None


def _wait_until_gone(group: int, timeout: float = 10) -> None:
    """LibreOffice's own processes (oosplash, soffice.bin) are not this process's children:
    nothing to wait on but their group emptying, which SIGKILL makes quick."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


_servers: dict[int, OfficeServer] = {}  # by process id: a forked worker starts its own


def office_server() -> OfficeServer | None:
    """This process's long-lived converter, or None when unoserver is not installed."""
    executable = settings.BANNETTE_UNOSERVER
    if not executable or not Path(executable).exists():
        return None
    server = _servers.get(os.getpid())
    if server is None:
        server = _servers[os.getpid()] = OfficeServer(executable, _profile_dir())
        atexit.register(server.stop)
    return server
