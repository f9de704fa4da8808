"""Real PostgreSQL and MariaDB servers, started by the suite in temporary directories.

Both refuse to run as root, so as root the data directory is handed to the service user and the
server runs under ``runuser``. Outside CI a missing server binary skips the test with a reason;
under CI (``CI`` set) it is a failure.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Server:
    kind: str
    host: str
    port: int
    user: str
    password: str
    socket_dir: str

    def url(self, database: str, driver: str | None = None) -> str:
        scheme = {"postgresql": "postgresql+psycopg", "mariadb": "mysql+pymysql"}[self.kind]
        return f"{driver or scheme}://{self.user}:{self.password}@{self.host}:{self.port}/{database}"


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_service_user(user: str) -> list[str]:
    return ["runuser", "-u", user, "--"] if os.geteuid() == 0 else []


def _wait_port(port: int, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
        time.sleep(0.1)
    return False


def _pg_bindir() -> Path | None:
    cands = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    if cands:
        return Path(cands[0]).parent
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Server]:
    bindir = _pg_bindir()
    if bindir is None:
        _missing("PostgreSQL server binaries (pg_ctl, initdb) are not installed")
        raise AssertionError  # unreachable
    base = Path(tempfile.mkdtemp(prefix="privdesk-pg-"))
    base.chmod(0o755)
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    user = "postgres" if os.geteuid() == 0 else os.environ.get("USER", "postgres")
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
    pwfile = base / "pw"
    pwfile.write_text("privdesk-test\n")
    if os.geteuid() == 0:
        shutil.chown(pwfile, "postgres")
    port = _free_port()
    run = _as_service_user("postgres")
    subprocess.run([*run, str(bindir / "initdb"), "-D", str(data), "-U", "privdesk", "--pwfile", str(pwfile),
                    "-A", "scram-sha-256", "-E", "UTF8", "--no-sync"], check=True, capture_output=True)
    opts = f"-p {port} -k {sock} -h 127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
    subprocess.run([*run, str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(base / "log"),
                    "-w", "-t", "60", "start"], check=True, capture_output=True)
    try:
        if not _wait_port(port):
            pytest.fail("PostgreSQL did not start: " + (base / "log").read_text(errors="replace")[-2000:])
        yield Server("postgresql", "127.0.0.1", port, "privdesk", "privdesk-test", str(sock))
    finally:
        subprocess.run([*run, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
    del user


@pytest.fixture
def postgres_db(postgres_server: Server) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test; yields its URL."""
    import psycopg

    name = f"t_{os.getpid()}_{time.monotonic_ns()}"
    admin = f"host=127.0.0.1 port={postgres_server.port} user=privdesk password=privdesk-test dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield postgres_server.url(name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def mariadb_server() -> Iterator[Server]:
    install = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
    mariadbd = shutil.which("mariadbd") or (Path("/usr/sbin/mariadbd") if Path("/usr/sbin/mariadbd").exists() else None)
    if not install or not mariadbd:
        _missing("MariaDB server binaries (mariadb-install-db, mariadbd) are not installed")
        raise AssertionError  # unreachable
    base = Path(tempfile.mkdtemp(prefix="privdesk-maria-"))
    base.chmod(0o755)
    data = base / "data"
    port = _free_port()
    sock = base / "mysqld.sock"
    if os.geteuid() == 0:
        shutil.chown(base, "mysql")
    run = _as_service_user("mysql")
    subprocess.run([*run, install, f"--datadir={data}", "--auth-root-authentication-method=normal",
                    "--skip-test-db", "--skip-name-resolve"], check=True, capture_output=True)
    log = open(base / "log", "wb")
    proc = subprocess.Popen([*run, str(mariadbd), "--no-defaults", f"--datadir={data}", f"--port={port}",
                             "--bind-address=127.0.0.1", f"--socket={sock}", f"--pid-file={base / 'pid'}",
                             "--skip-name-resolve", "--innodb-flush-log-at-trx-commit=0",
                             "--innodb-buffer-pool-size=64M", "--skip-log-bin"],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        if not _wait_port(port, 60):
            pytest.fail("MariaDB did not start: " + (base / "log").read_text(errors="replace")[-2000:])
        import pymysql

        for _ in range(50):
            try:
                conn = pymysql.connect(unix_socket=str(sock), user="root", password="")
                break
            except pymysql.err.OperationalError:
                time.sleep(0.2)
        else:
            pytest.fail("MariaDB accepted no root connection")
        with conn.cursor() as cur:
            cur.execute("CREATE USER 'privdesk'@'%' IDENTIFIED BY 'privdesk-test'")
            cur.execute("GRANT ALL PRIVILEGES ON *.* TO 'privdesk'@'%' WITH GRANT OPTION")
            cur.execute("CREATE USER 'privdesk'@'localhost' IDENTIFIED BY 'privdesk-test'")
            cur.execute("GRANT ALL PRIVILEGES ON *.* TO 'privdesk'@'localhost' WITH GRANT OPTION")
        conn.commit()
        conn.close()
        yield Server("mariadb", "127.0.0.1", port, "privdesk", "privdesk-test", str(sock))
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def mariadb_db(mariadb_server: Server) -> Iterator[str]:
    """A fresh, empty MariaDB database for one test; yields its URL."""
    import pymysql

    name = f"t_{os.getpid()}_{time.monotonic_ns()}"
    conn = pymysql.connect(host="127.0.0.1", port=mariadb_server.port, user="privdesk", password="privdesk-test")
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    conn.close()
    yield mariadb_server.url(name)
    conn = pymysql.connect(host="127.0.0.1", port=mariadb_server.port, user="privdesk", password="privdesk-test")
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
    conn.close()
