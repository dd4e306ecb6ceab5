"""Production's processes on one machine, each on its own loopback port, as on several hosts.

    ./dev cluster [--port 8080] [--database-url postgres://...] [--no-demo]

nginx balances two gunicorn web processes (each standing for a web host); two Celery workers,
one beat and the hot-folder watcher run beside them; a private Redis is the broker and the
shared cache; PostgreSQL holds the data and the full-text index; one data directory is shared
by all of them (on several hosts: a network share). A process that dies is started again after a
second, as systemd's `Restart=always` would; `kill()` plays the host that dies.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
RESTART_AFTER = 1.0  # seconds, as RestartSec=1
WEB = ("web1", "web2")
WORKERS = ("worker1", "worker2")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll a condition until it holds; fail with `what` past the deadline."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"still waiting after {seconds:.0f} s: {what}")
        time.sleep(0.1)


def redis_command(port: int, workdir: Path) -> list[str]:
    """A Redis that keeps nothing on disk, on the loopback only."""
    return [
        "redis-server",
        *("--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
        *("--dir", str(workdir)),
    ]


def redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def http_status(url: str, timeout: float = 5.0) -> int:
    """The status code of a GET, 0 when nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback)
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0


@dataclass
class Restart:
    name: str
    died_at: float  # time.monotonic()
    started_at: float


@dataclass
class Process:
    name: str
    command: list[str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self, env: dict[str, str]) -> None:
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: its children die with it
            )

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def signal_group(self, signum: int) -> None:
        if self.popen is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signum)

    def stop(self, timeout: float = 15) -> None:
        if self.popen is None:
            return
        self.signal_group(signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.signal_group(signal.SIGKILL)
            self.popen.wait(timeout=10)


@dataclass
class Cluster:
    """The processes of a production installation, supervised."""

    root: Path
    database_url: str
    port: int = 0
    web_workers: int = 2
    settings: dict[str, str] = field(default_factory=dict)  # more BANNETTE_* for every process
    processes: dict[str, Process] = field(default_factory=dict)
    restarts: list[Restart] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.root = self.root.resolve()
        self.port = self.port or free_port()
        self.redis_port = free_port()
        self.web_ports = {name: free_port() for name in WEB}
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._supervisor: threading.Thread | None = None

    # -- where things are -------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def hot_folder(self) -> Path:
        return self.root / "hotfolders" / "courrier"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def env(self) -> dict[str, str]:
        redis = f"redis://127.0.0.1:{self.redis_port}"
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "BANNETTE_DB_CONN_MAX_AGE": "60",
            "CELERY_BROKER_URL": f"{redis}/0",
            "BANNETTE_CACHE_URL": f"{redis}/1",
            "BANNETTE_DATA_DIR": str(self.data_dir),
            "BANNETTE_INDEX_DIR": str(self.data_dir / "index"),
            "BANNETTE_SEARCH_BACKEND": "postgres",
            "BANNETTE_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "BANNETTE_CSRF_TRUSTED_ORIGINS": self.url,
            "BANNETTE_TRUSTED_PROXIES": "127.0.0.1",
            "BANNETTE_PUBLIC_URL": self.url,
            "BANNETTE_HOTFOLDERS": f"courrier={self.hot_folder}",
            "OMP_THREAD_LIMIT": "1",
            **self.settings,
        }

    # -- preparing --------------------------------------------------------------------------
    def one_off_env(self) -> dict[str, str]:
        """For commands run before the processes start: no broker, no shared cache yet (their
        tasks run in-process, as in embedded mode)."""
        unset = ("CELERY_BROKER_URL", "BANNETTE_CACHE_URL")
        return {k: v for k, v in self.env().items() if k not in unset}

    def manage(self, *args: str) -> None:
        subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=self.one_off_env(), check=True)

    def prepare(self, *, migrate: bool = True, demo: bool = False) -> None:
        """Folders, the database (created if missing, migrated), static files, the demo."""
        for folder in (self.data_dir, self.hot_folder, self.logs, self.root / "nginx"):
            folder.mkdir(parents=True, exist_ok=True)
        if migrate:
            create_database(self.database_url)
            self.manage("migrate", "--no-input", "-v0")
        self.manage("collectstatic", "--no-input", "-v0")
        if demo:
            self.manage("load_demo")
            self.manage("reindex")

    # -- running ----------------------------------------------------------------------------
    def _commands(self) -> dict[str, list[str]]:
        celery = [PYTHON, "-m", "celery", "-A", "config"]
        commands = {"redis": redis_command(self.redis_port, self.root)}
        for name, port in self.web_ports.items():
            commands[name] = [
                *(PYTHON, "-m", "gunicorn", "config.wsgi"),
                *("--bind", f"127.0.0.1:{port}", "--workers", str(self.web_workers)),
                *("--name", f"bannette-{name}", "--timeout", "120", "--graceful-timeout", "10"),
                *("--forwarded-allow-ips", "127.0.0.1", "--no-control-socket"),
            ]
        for name in WORKERS:
            commands[name] = [
                *celery,
                *("worker", "--hostname", f"{name}@%h", "--concurrency", "1"),
                *("--loglevel", "INFO", "--without-mingle", "--without-gossip"),
            ]
        commands["beat"] = [
            *celery,
            *("beat", "--loglevel", "INFO", "--schedule", str(self.root / "beat-schedule")),
        ]
        commands["watcher"] = [PYTHON, "manage.py", "watch_hotfolders", "--interval", "1"]
        nginx_conf = self.root / "nginx" / "nginx.conf"
        nginx_conf.write_text(self.nginx_config())
        commands["nginx"] = [
            nginx_binary(),
            *("-p", str(self.root / "nginx"), "-c", str(nginx_conf)),
            *("-e", str(self.logs / "nginx-error.log")),
        ]
        return commands

    def nginx_config(self) -> str:
        temp = self.root / "nginx"
        upstreams = "\n".join(
            f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;"
            for port in self.web_ports.values()
        )
        user = "user root root;" if os.geteuid() == 0 else ""
        return f"""# written by deploy/cluster.py
{user}
daemon off;
worker_processes 1;
pid {temp}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
  log_format bannette '$remote_addr [$time_local] "$request" $status $body_bytes_sent '
                      '$request_time $upstream_addr $request_id';
  access_log {self.logs}/nginx-access.log bannette;
  client_body_temp_path {temp}/body;
  proxy_temp_path {temp}/proxy;
  fastcgi_temp_path {temp}/fastcgi;
  uwsgi_temp_path {temp}/uwsgi;
  scgi_temp_path {temp}/scgi;
  client_max_body_size 100m;
  upstream bannette {{
{upstreams}
    keepalive 16;
  }}
  server {{
    listen 127.0.0.1:{self.port};
    location / {{
      proxy_pass http://bannette;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Request-ID $request_id;  # in nginx's log and in Bannette's
      # A web process that stopped answering: the request goes to the other one.
      proxy_next_upstream error timeout http_502;
      proxy_connect_timeout 2s;
      proxy_read_timeout 120s;
    }}
  }}
}}
"""

    def start(self, timeout: float = 90) -> None:
        env = self.env()
        commands = self._commands()
        for name, command in commands.items():
            process = Process(name, command, self.logs / f"{name}.log")
            self.processes[name] = process
            process.start(env)
            if name == "redis":
                wait_until(lambda: redis_answers(self.redis_port), 15, "the private Redis")
        wait_until(lambda: http_status(f"{self.url}/healthz") == 200, timeout, self._health())
        self._supervisor = threading.Thread(target=self._supervise, daemon=True)
        self._supervisor.start()

    def _health(self) -> str:
        dead = [name for name, p in self.processes.items() if not p.alive]
        return f"{self.url}/healthz to answer 200 (stopped: {', '.join(dead) or 'none'}; logs in {self.logs})"

    def _supervise(self) -> None:
        died: dict[str, float] = {}
        while not self._stopping.wait(0.2):
            with self._lock:
                for name, process in self.processes.items():
                    if process.alive:
                        continue
                    first_seen = died.setdefault(name, time.monotonic())
                    if time.monotonic() - first_seen >= RESTART_AFTER:
                        process.signal_group(signal.SIGKILL)  # what it left behind
                        process.start(self.env())
                        self.restarts.append(Restart(name, first_seen, time.monotonic()))
                        del died[name]

    def kill(self, name: str) -> None:
        """The host of this process dies: SIGKILL to it and its children, no clean-up."""
        with self._lock:
            process = self.processes[name]
            process.signal_group(signal.SIGKILL)
            if process.popen is not None:
                process.popen.wait(timeout=10)

    def pid(self, name: str) -> int:
        popen = self.processes[name].popen
        assert popen is not None
        return popen.pid

    def stop(self) -> None:
        self._stopping.set()
        if self._supervisor is not None:
            self._supervisor.join(timeout=5)
        with self._lock:
            for name in reversed(list(self.processes)):
                self.processes[name].stop()

    @contextlib.contextmanager
    def running(self, timeout: float = 90) -> Iterator[Cluster]:
        try:
            self.start(timeout)
            yield self
        finally:
            self.stop()


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not found:
        raise SystemExit("nginx is not installed: run ./dev setup (Debian package nginx)")
    return found


def create_database(database_url: str) -> None:
    """CREATE DATABASE when it does not exist (the server's own `postgres` database asked)."""
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080, help="nginx's port (loopback)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BANNETTE_CLUSTER_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bannette_cluster"
        ),
    )
    parser.add_argument("--root", type=Path, default=ROOT / "var" / "cluster")
    parser.add_argument("--no-demo", action="store_true", help="do not load the demo organisation")
    args = parser.parse_args()
    cluster = Cluster(root=args.root, database_url=args.database_url, port=args.port)
    print("==> Preparing the database, static files and the demo organisation", flush=True)
    cluster.prepare(demo=not args.no_demo)
    print("==> Starting nginx, 2 web processes, 2 workers, beat, the watcher, Redis", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with cluster.running():
        for name, process in cluster.processes.items():
            port = cluster.web_ports.get(name) or (cluster.port if name == "nginx" else "")
            print(f"    {name:<8} pid {process.popen.pid if process.popen else '-':<8} {port}")
        print(f"==> Bannette runs at {cluster.url} (logs in {cluster.logs}; Ctrl+C stops all)")
        print(f"    scanned batches dropped in {cluster.hot_folder} become mail", flush=True)
        seen = 0
        try:
            while not stop.wait(1):
                for restart in cluster.restarts[seen:]:
                    stamp = datetime.datetime.now().astimezone().strftime("%H:%M:%S")
                    print(f"    {stamp} {restart.name} stopped: started again", flush=True)
                seen = len(cluster.restarts)
        except KeyboardInterrupt:
            pass
        print("==> Stopping", flush=True)


if __name__ == "__main__":
    main()
