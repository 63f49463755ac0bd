"""A throwaway PostgreSQL server for the tests: Debian's binaries, a cluster in a temporary folder, trust auth on
a free loopback port, a fresh database per test.

PostgreSQL refuses to run as root, and tests (and CI) run as root: the cluster then belongs to the unprivileged
``postgres`` user the Debian package creates, and its commands run through ``runuser``. Without the binaries the
tests that need the server are skipped, unless NANGLUCSO_REQUIRE_PG is set (CI sets it: there a missing server
is a failure, never a silent skip).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .browser import free_port

REQUIRE_ENV = "NANGLUCSO_REQUIRE_PG"
SERVER_USER = "postgres"


def find_bindir() -> Path | None:
    """The newest Debian PostgreSQL bin folder (/usr/lib/postgresql/<version>/bin), or the one on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PgServer:
    """One PostgreSQL cluster, started and stopped by the test session."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="nanglucso-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.user = SERVER_USER if os.geteuid() == 0 else None
        self._n = 0

    def _run(self, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)

    def start(self) -> None:
        if self.user:
            ids = pwd.getpwnam(self.user)
            os.chown(self.root, ids.pw_uid, ids.pw_gid)
        done = self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                         "--no-locale", "--no-sync")
        if done.returncode:
            raise RuntimeError(f"initdb failed: {done.stderr or done.stdout}")
        # Durability is not what a test checks: no fsync makes the server several times faster here.
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        done = self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "server.log"),
                         "-w", "-t", "60", "start")
        if done.returncode:
            log = (self.root / "server.log").read_text(errors="replace") if (self.root / "server.log").exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {done.stderr or done.stdout}\n{log[-2000:]}")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, prefix: str = "t") -> str:
        """A new, empty database; returns its SQLAlchemy URL."""
        self._n += 1
        name = f"{prefix}_{os.getpid()}_{self._n}"
        self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # FORCE: ends connections still open


def unavailable(reason: str) -> None:
    """Skip, or fail when the environment says PostgreSQL must be tested (CI)."""
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{REQUIRE_ENV} is set but PostgreSQL cannot be used: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL not available ({reason}); set {REQUIRE_ENV}=1 to make this a failure")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A PostgreSQL server for the whole session (started on first use)."""
    bindir = find_bindir()
    if bindir is None:
        unavailable("no initdb under /usr/lib/postgresql/*/bin: apt-get install postgresql")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("the psycopg driver is not installed: pip install -e .")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            unavailable(f"running as root and there is no '{SERVER_USER}' user to run the server as")
    server = PgServer(bindir)
    try:
        server.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        server.stop()
        unavailable(str(exc))
    yield server
    from nanglucso.store import dispose_engines

    dispose_engines()
    server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[Callable[[], str]]:
    """A factory of fresh databases on the session's server; each is dropped after the test."""
    made: list[str] = []

    def make() -> str:
        made.append(pg_server.create_database())
        return made[-1]

    yield make
    from nanglucso.store import dispose_engines

    dispose_engines()
    for url in made:
        pg_server.drop_database(url)
