"""Real parts to break: a private redis-server on its own loopback port, and Celery worker
processes on the test database. Never the shared Redis at :6379."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from django.db import connection

from deploy.cluster import free_port, redis_answers, redis_command, wait_until

ROOT = Path(__file__).resolve().parent.parent


class PrivateRedis:
    def __init__(self, workdir: Path) -> None:
        self.port, self.workdir = free_port(), workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            redis_command(self.port, self.workdir),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: redis_answers(self.port), 10, "redis-server to answer")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


class WorkerProcess:
    """`celery -A config worker` as in production, on the test database and files."""

    def __init__(self, broker_url: str, data_dir: Path) -> None:
        db = connection.settings_dict
        host = db["HOST"] or "127.0.0.1"
        database_url = f"postgres://{db['USER']}@{host}:{db['PORT'] or 5432}/{db['NAME']}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker_url,
            "BANNETTE_DATA_DIR": str(data_dir),
            "BANNETTE_INDEX_DIR": str(data_dir / "index"),
            "OMP_THREAD_LIMIT": "1",
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "WARNING",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,  # its own process group: OCR helpers die with it
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def kill(self) -> None:
        """As the kernel's OOM killer or a pulled plug would: no chance to clean up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
