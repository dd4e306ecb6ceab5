"""A private Dovecot IMAP server for tests, on a free loopback port, with a throw-away config."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from imapclient import IMAPClient

USER, PASSWORD = "courrier", "motdepasse"


@dataclass
class Dovecot:
    host: str
    port: int
    user: str
    password: str
    config: Path

    def client(self) -> IMAPClient:
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        client.login(self.user, self.password)
        return client

    def stop(self) -> None:
        subprocess.run(
            ["doveadm", "-c", str(self.config), "stop"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
            timeout=30,
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int, timeout: float = 15.0) -> None:
    """Wait until the server accepts connections (a readiness check, not a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                if sock.recv(64).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"dovecot did not answer on port {port}")


def start_dovecot(base: Path) -> Dovecot:
    if shutil.which("dovecot") is None:
        raise RuntimeError("dovecot is not installed: run ./dev setup (package dovecot-imapd)")
    base.chmod(0o755)  # dovecot's auth process (uid dovecot) must reach the passwd file
    nobody = pwd.getpwnam("nobody")
    for sub in ("run", "state", "mail"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    os.chown(base / "mail", nobody.pw_uid, nobody.pw_gid)
    port = _free_port()
    (base / "passwd").write_text(
        f"{USER}:{{PLAIN}}{PASSWORD}:{nobody.pw_uid}:{nobody.pw_gid}::{base / 'mail'}::\n"
    )
    config = base / "dovecot.conf"
    config.write_text(f"""
base_dir = {base / "run"}
state_dir = {base / "state"}
log_path = {base / "dovecot.log"}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = dovenull
default_internal_user = dovecot
first_valid_uid = 1
mail_location = maildir:{base / "mail"}/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {base / "passwd"}
}}
userdb {{
  driver = passwd-file
  args = {base / "passwd"}
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Traité {{
    auto = create
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
""")
    # The daemon keeps inherited pipes open: give it none, or run() would wait forever.
    subprocess.run(
        ["dovecot", "-c", str(config)],
        check=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=30,
    )
    _wait_for(port)
    return Dovecot("127.0.0.1", port, USER, PASSWORD, config)
