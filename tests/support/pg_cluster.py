"""A private PostgreSQL cluster for one test module: ``initdb`` in a temporary directory, served on a free
loopback port with ``pg_ctl``, stopped and started at will (to cut the database off under a running app),
then removed.

``initdb`` refuses to run as root; when the tests run as root the server binaries run as the ``postgres``
system user (through ``runuser``), in a directory that user owns. :func:`unavailable_reason` says why a
cluster cannot be made here, so tests can skip with that reason.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SYSTEM_USER = "postgres"
SUPERUSER = "postgres"
TIMEOUT_SECONDS = 60

# Durability is not the point of a throwaway cluster: skip the fsyncs, keep it small.
SERVER_SETTINGS = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{sockets}'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 50
shared_buffers = 16MB
"""


def find_bindir() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl``: ``pg_config --bindir``, then PATH, then the usual place."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            answer = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True)
            candidates.append(Path(answer.stdout.strip()))
        except (OSError, subprocess.SubprocessError):
            pass
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    candidates.extend(Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True))
    for directory in candidates:
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
            return directory
    return None


def _runs_as_root() -> bool:
    return os.geteuid() == 0


def unavailable_reason() -> str | None:
    """Why a private cluster cannot be started on this machine, or None when it can."""
    if find_bindir() is None:
        return "the PostgreSQL server binaries (initdb, pg_ctl) are not installed"
    if _runs_as_root():
        if shutil.which("runuser") is None:
            return "running as root, and runuser is missing to run initdb as another user"
        try:
            pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            return f"running as root, and there is no {SYSTEM_USER!r} system user to run initdb as"
    return None


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresCluster:
    """One initialised cluster: its directory, port and whether its server runs."""

    bindir: Path
    root: Path
    port: int
    run_as: str | None = None
    running: bool = field(default=False, init=False)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL for a database of this cluster (trust authentication on loopback)."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    @classmethod
    def create(cls) -> PostgresCluster:
        """Initialise a cluster in a new temporary directory (not started yet)."""
        reason = unavailable_reason()
        if reason is not None:
            raise RuntimeError(reason)
        bindir = find_bindir()
        assert bindir is not None
        root = Path(tempfile.mkdtemp(prefix="pepites-pg-"))
        run_as = SYSTEM_USER if _runs_as_root() else None
        if run_as is not None:
            user = pwd.getpwnam(run_as)
            os.chown(root, user.pw_uid, user.pw_gid)
        cluster = cls(bindir=bindir, root=root, port=free_port(), run_as=run_as)
        try:
            cluster._run(
                "initdb",
                "-D",
                str(cluster.data_dir),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
                "--no-instructions",
            )
            with open(cluster.data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
                conf.write(SERVER_SETTINGS.format(port=cluster.port, sockets=cluster.root))
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
        return cluster

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "-t", "30", "start")
        self.running = True

    def stop(self) -> None:
        """Stop the server now: open sessions are cut, as when a database server goes away."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "30", "stop")
        self.running = False

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create a database (the server must run), as a copy of ``template`` if given; its URL."""
        import psycopg

        conninfo = f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname=postgres connect_timeout=5"
        statement = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(statement)  # type: ignore[arg-type]
        return self.url(name)

    def remove(self) -> None:
        """Stop the server if it runs and delete the whole directory."""
        if self.running:
            try:
                self.stop()
            except (OSError, subprocess.SubprocessError):
                self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def server_log(self) -> str:
        """The server's log, for a failing test's report."""
        try:
            return self.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / program), *args]
        if self.run_as is not None:
            command = ["runuser", "-u", self.run_as, "--", *command]
        done = subprocess.run(
            command,
            cwd=self.root,  # the system user may not be allowed into the caller's directory
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
            env={**os.environ, "LC_ALL": "C"},
        )
        if check and done.returncode != 0:
            said = done.stderr.strip() or done.stdout.strip()
            raise RuntimeError(f"{program} failed ({done.returncode}): {said}\n{self.server_log()}")
        return done
