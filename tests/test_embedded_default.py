"""The embedded default as users run it (SQLite, background threads for e-mails and capture, no
broker): the README's first command loads the demo, and the morning's notification work, the
deadline watch and a capture run at the same moment without « database is locked ». The rest of
the suite turns background sending off to read its results; this test does not."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from django.conf import settings as django_settings

from courrier.letters import letter_pdf


class _Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def handle_message(self, message: object) -> None:
        self.count += 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def embedded_env(tmp_path):
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANNETTE_")}
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        BANNETTE_DATA_DIR=str(tmp_path / "data"),
        BANNETTE_SMTP_HOST="127.0.0.1",
        BANNETTE_SMTP_PORT=str(port),
        BANNETTE_DIGEST_HOUR="0",
    )
    yield env, inbox
    controller.stop()


def _start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    output, _ = process.communicate(timeout=600)
    return process.returncode, output


def test_on_sqlite_the_demo_loads_and_the_mornings_work_runs_beside_a_capture(
    embedded_env, tmp_path
):
    env, inbox = embedded_env
    code, output = _finish(_start(env, "migrate", "--no-input", "-v0"))
    assert code == 0, output
    code, output = _finish(_start(env, "load_demo", "--mails", "60"))
    assert code == 0, output
    assert "locked" not in output
    # load_demo says how far it is with a bar, not a line per task (it printed ~2,700)
    assert output.count(" INFO ") < 20, output[-3000:]

    scan = tmp_path / "scan.pdf"
    scan.write_bytes(letter_pdf(["Objet : banc cassé square Jean-Moulin"]))
    running = [
        _start(env, "send_digests"),
        _start(env, "send_digests"),
        _start(env, "capture", str(scan)),
    ]
    results = [_finish(process) for process in running]
    for code, output in results:
        assert code == 0, output
        assert "database is locked" not in output and "table is locked" not in output, output
    # the digests went once, whichever run queued them
    assert "digests: sent" in results[0][1] and "digests: sent" in results[1][1]
    assert inbox.count > 0
