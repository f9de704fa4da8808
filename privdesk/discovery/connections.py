"""Connection specs, URL hygiene, engines that cannot write, and the 5-second connection test.

A connection is a name, a SQLAlchemy URL *without* its password, and options. The password is
merged in only when an engine is built (``URL.set(password=...)``) and is never rendered into a
string, logged or stored.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import URL, Connection, Engine, create_engine, make_url, text
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import QueuePool

from privdesk.discovery.errors import ConnectionFailed
from privdesk.errors import ValidationError

log = logging.getLogger("privdesk.discovery")

CONNECT_TIMEOUT_S = 5.0
DEFAULT_STATEMENT_TIMEOUT_S = 30.0

_DRIVER_HINTS = {"postgresql": "psycopg[binary]", "mysql": "PyMySQL", "mariadb": "PyMySQL",
                 "mssql": "pyodbc", "oracle": "oracledb"}


@dataclass(frozen=True)
class ConnectionSpec:
    """What the registry stores about a connection; ``url`` never holds a password."""

    name: str
    url: str
    options: dict[str, Any] = field(default_factory=dict)
    # Which case database the connection belongs to (its keyring entries are keyed by it).
    scope: str = field(default="", repr=False)
    # Secret-bearing URL options (e.g. ``sslpassword``) read from the keyring; never stored.
    secret_options: tuple[tuple[str, str], ...] = field(default=(), repr=False, compare=False)

    @property
    def dialect(self) -> str:
        return make_url(self.url).get_backend_name()

    @property
    def statement_timeout_s(self) -> float:
        return float(self.options.get("statement_timeout_s", DEFAULT_STATEMENT_TIMEOUT_S))

    @property
    def schemas(self) -> tuple[str | None, ...]:
        """Schemas to search (option ``schemas``); None stands for the default schema."""
        raw = self.options.get("schemas")
        if not raw:
            return (None,)
        return tuple(str(x) for x in raw if str(x).strip())

    @property
    def needs_password(self) -> bool:
        return self.dialect != "sqlite" and bool(make_url(self.url).username)


def validate_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise ValidationError("A connection needs a name.")
    if len(cleaned) > 100:
        raise ValidationError("A connection name can be at most 100 characters long.")
    if any(not ch.isprintable() for ch in cleaned):
        raise ValidationError("A connection name cannot contain control characters or line breaks.")
    return cleaned


# -- URL query options ----------------------------------------------------------------------------
# Only these query options may travel in a connection URL. Anything else is refused by name: an
# option such as PyMySQL's ``init_command`` runs SQL before the read-only transaction starts, and
# ``local_infile`` lets the server read the officer's files. Options that carry a secret are moved
# to the keyring with the password and merged in only when an engine is built.
ALLOWED_OPTIONS: dict[str, frozenset[str]] = {
    "postgresql": frozenset({
        "sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl", "sslcrldir", "sslsni", "sslnegotiation",
        "sslcompression", "ssl_min_protocol_version", "ssl_max_protocol_version", "channel_binding",
        "gssencmode", "krbsrvname", "gsslib", "require_auth", "connect_timeout", "application_name",
        "target_session_attrs", "host", "hostaddr", "port", "passfile", "client_encoding",
        "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
    }),
    "mysql": frozenset({
        "charset", "collation", "ssl_ca", "ssl_capath", "ssl_cert", "ssl_key", "ssl_cipher",
        "ssl_verify_cert", "ssl_verify_identity", "ssl_check_hostname", "ssl_disabled",
        "connect_timeout", "read_timeout", "write_timeout", "unix_socket", "program_name",
    }),
    "mssql": frozenset({"driver", "encrypt", "trustservercertificate", "connect_timeout", "timeout"}),
    "oracle": frozenset({"service_name", "sid", "mode", "encoding", "nencoding"}),
    "sqlite": frozenset(),
}
ALLOWED_OPTIONS["mariadb"] = ALLOWED_OPTIONS["mysql"]
# Options whose value is a secret: never stored in the case database nor shown.
SECRET_OPTIONS: dict[str, frozenset[str]] = {
    "postgresql": frozenset({"sslpassword"}),
    "mysql": frozenset({"ssl_key_password"}),
}
SECRET_OPTIONS["mariadb"] = SECRET_OPTIONS["mysql"]
# Query spellings of the password itself (libpq ``password``, PyMySQL ``passwd``/``password``).
_PASSWORD_OPTIONS = frozenset({"password", "passwd"})


def _option_value(value: str | tuple[str, ...]) -> str:
    return value if isinstance(value, str) else (value[-1] if value else "")


def check_options(backend: str, names: Iterable[str]) -> None:
    """Refuse every URL query option outside the dialect's allow-list, naming it.

    Raises:
        ValidationError: with the first refused option and the ones that are accepted.
    """
    allowed = ALLOWED_OPTIONS.get(backend, frozenset())
    secret = SECRET_OPTIONS.get(backend, frozenset())
    for name in names:
        key = name.lower() if backend == "mssql" else name
        if key in allowed or key in secret or key in _PASSWORD_OPTIONS:
            continue
        accepted = ", ".join(sorted(allowed)) or "none"
        raise ValidationError(
            f"The URL option {name!r} is not accepted for {backend} connections: PrivDesk only "
            f"searches read-only and refuses options that could change the database or read local "
            f"files. Accepted options: {accepted}.")


@dataclass(frozen=True)
class ParsedUrl:
    """A typed URL split into what may be stored and what must go to the keyring."""

    url: str  # no password, no secret options
    password: str | None
    secret_options: dict[str, str]


def split_url(raw: str) -> ParsedUrl:
    """Split a URL the officer typed into the storable URL, the password and secret options.

    PostgreSQL gets psycopg 3 and MySQL/MariaDB PyMySQL; SQLite paths become absolute so the
    connection works from any working directory. Query options outside the dialect's allow-list
    are refused (:data:`ALLOWED_OPTIONS`).
    """
    try:
        url = make_url(raw.strip())
    except (ArgumentError, ValueError) as exc:
        raise ValidationError(
            "That is not a database URL. Examples: sqlite:////path/to/file.db, "
            "postgresql://user@host/db, mysql://user@host/db."
        ) from exc
    backend = url.get_backend_name()
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    elif url.drivername in ("mysql", "mariadb"):
        url = url.set(drivername="mysql+pymysql")
    password = url.password
    if password is not None:
        password = str(password)
    query: dict[str, str | tuple[str, ...]] = dict(url.query)
    if backend != "sqlite":
        check_options(backend, query)
    for key in _PASSWORD_OPTIONS:  # some drivers accept ?password=...; never keep it in the URL
        if key in query:
            password = password or _option_value(query.pop(key)) or None
    secret_names = SECRET_OPTIONS.get(backend, frozenset())
    secret_options = {k: _option_value(query.pop(k)) for k in list(query) if k in secret_names}
    # URL.set() ignores None, so the password-less URL is built afresh.
    url = URL.create(url.drivername, username=url.username, host=url.host, port=url.port,
                     database=url.database, query=query)
    if backend == "sqlite":
        db = url.database or ""
        if not db or db == ":memory:" or db.startswith("file:"):
            raise ValidationError("A SQLite connection needs the path of a database file, e.g. sqlite:////data/crm.db.")
        url = url.set(database=str(Path(db).expanduser().resolve()), query={})
    return ParsedUrl(url.render_as_string(hide_password=False), password or None, secret_options)


def parse_url(raw: str) -> tuple[str, str | None]:
    """(URL without password or secret options, password or None); see :func:`split_url`."""
    parsed = split_url(raw)
    return parsed.url, parsed.password


def display_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


# -- engines ------------------------------------------------------------------------------------

def build_engine(spec: ConnectionSpec, password: str | None,
                 secret_options: Mapping[str, str] | None = None) -> Engine:
    """An engine for searching: SQLite opened ``mode=ro``, network databases with a 5 s connect
    timeout. Raises ConnectionFailed with a plain sentence when it cannot be built, also for a
    stored URL whose query options are no longer accepted (registered before the allow-list)."""
    url = make_url(spec.url)
    backend = url.get_backend_name()
    if backend != "sqlite":
        try:
            check_options(backend, [k for k in url.query if k not in _PASSWORD_OPTIONS])
        except ValidationError as exc:
            raise ConnectionFailed(f"Connection {spec.name!r} cannot be used: {exc.message} "
                                   "Remove it and add it again without that option.") from exc
    try:
        if backend == "sqlite":
            return _sqlite_engine(Path(url.database or ""))
        if password is not None:
            url = url.set(password=password)
        connect_args: dict[str, Any] = {}
        if backend == "postgresql":
            connect_args = {"connect_timeout": int(CONNECT_TIMEOUT_S), "application_name": "privdesk"}
        elif backend in ("mysql", "mariadb"):
            connect_args = {"connect_timeout": int(CONNECT_TIMEOUT_S),
                            "read_timeout": int(spec.statement_timeout_s) + 10}
        connect_args.update(dict(spec.secret_options))
        connect_args.update(secret_options or {})
        # hide_parameters: a failed query's bound values (a subject's identifiers) stay out of
        # the exception text that reaches logs and messages.
        return create_engine(url, connect_args=connect_args, pool_size=4, max_overflow=4,
                             pool_recycle=600, pool_pre_ping=True, hide_parameters=True)
    except NoSuchModuleError as exc:
        raise ConnectionFailed(_driver_missing(spec)) from exc
    except ImportError as exc:
        raise ConnectionFailed(_driver_missing(spec)) from exc
    except ArgumentError as exc:
        raise ConnectionFailed(f"The address of connection {spec.name!r} is not usable: {exc}") from exc


_NO_PASSWORD_SIGNS = ("no password supplied", "using password: no", "password is required",
                      "password required")
_PASSWORDLESS_OK: set[tuple[str, str, str]] = set()
_passwordless_lock = threading.Lock()


class EngineCache:
    """Engines kept between searches, so a second search reuses warm connections instead of
    logging in again (a PostgreSQL SCRAM login costs more than an indexed search).

    Keyed by connection name, URL and a hash of the password, so a changed URL or password gets
    a fresh engine; :meth:`evict` drops a removed connection's pool.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._engines: dict[str, tuple[tuple[str, str], Engine]] = {}

    def get(self, spec: ConnectionSpec, password: str | None) -> Engine:
        secret = repr((password or "", sorted(spec.secret_options)))
        key = (spec.url, hashlib.sha256(secret.encode()).hexdigest())
        with self._lock:
            hit = self._engines.get(spec.name)
            if hit is not None and hit[0] == key:
                return hit[1]
        engine = build_engine(spec, password)
        with self._lock:
            old = self._engines.get(spec.name)
            self._engines[spec.name] = (key, engine)
        if old is not None and old[1] is not engine:
            old[1].dispose()
        return engine

    def evict(self, name: str) -> None:
        """Drop a connection's pool (removed or changed), and what we learnt about its login."""
        with _passwordless_lock:
            _PASSWORDLESS_OK.difference_update({k for k in _PASSWORDLESS_OK if k[1] == name})
        with self._lock:
            hit = self._engines.pop(name, None)
        if hit is not None:
            hit[1].dispose()

    def clear(self) -> None:
        with self._lock:
            engines = [e for _k, e in self._engines.values()]
            self._engines.clear()
        for e in engines:
            e.dispose()


ENGINES = EngineCache()


def _sqlite_engine(path: Path) -> Engine:
    if not path.is_file():
        raise ConnectionFailed(f"The database file {path} does not exist.")

    def creator() -> sqlite3.Connection:
        # mode=ro: SQLite itself refuses every write; the URI form needs a quoted path.
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, check_same_thread=False,
                               timeout=CONNECT_TIMEOUT_S)
        conn.execute("PRAGMA query_only = ON")
        return conn

    return create_engine("sqlite+pysqlite://", creator=creator, poolclass=QueuePool, pool_size=4,
                         max_overflow=4, hide_parameters=True)


def _driver_missing(spec: ConnectionSpec) -> str:
    dialect = make_url(spec.url).get_backend_name()
    hint = _DRIVER_HINTS.get(dialect)
    tail = f" (install the Python package {hint})" if hint else ""
    return f"The database driver for {dialect} is not installed{tail}."


def is_mariadb(conn: Connection) -> bool:
    return bool(getattr(conn.dialect, "is_mariadb", False))


def server_statement_timeout(conn: Connection, name: str, timeout_s: float) -> None:
    """Make the server stop any statement of this transaction (PostgreSQL) or session (MySQL,
    MariaDB) after ``timeout_s``; SQLite is stopped by its progress handler instead."""
    if name == "postgresql":
        conn.execute(text("SELECT set_config('statement_timeout', :ms, true)"), {"ms": str(int(timeout_s * 1000))})
    elif name in ("mysql", "mariadb"):
        if is_mariadb(conn):
            conn.execute(text("SET SESSION max_statement_time = :s"), {"s": float(timeout_s)})
        else:
            conn.execute(text("SET SESSION max_execution_time = :ms"), {"ms": int(timeout_s * 1000)})


class Canceller:
    """Stops queries in flight when ``event`` is set: PostgreSQL through libpq's cancel request,
    MySQL/MariaDB with ``KILL QUERY`` on a second connection. (SQLite stops through its
    progress handler.) One watcher thread per search, polling the event every 50 ms."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event
        self._lock = threading.Lock()
        self._live: dict[int, tuple[Engine, Any, str]] = {}
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def register(self, engine: Engine, raw: Any, dialect: str) -> int:
        with self._lock:
            token = id(raw)
            self._live[token] = (engine, raw, dialect)
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="privdesk-cancel", daemon=True)
                self._thread.start()
        return token

    def unregister(self, token: int) -> None:
        with self._lock:
            self._live.pop(token, None)

    def _watch(self) -> None:
        while not self._done.is_set():
            if self.event.wait(0.05):
                self.cancel_all()
                return

    def cancel_all(self) -> None:
        with self._lock:
            live = list(self._live.values())
        for engine, raw, dialect in live:
            try:
                if dialect == "postgresql":
                    raw.cancel()
                elif dialect in ("mysql", "mariadb"):
                    thread_id = int(raw.thread_id())
                    with engine.connect() as conn:
                        conn.exec_driver_sql(f"KILL QUERY {thread_id}")
            except Exception as exc:  # the query may have just finished; nothing to stop
                log.debug("cancel request failed: %s", type(exc).__name__)

    def close(self) -> None:
        self._done.set()


@contextmanager
def read_only(engine: Engine, timeout_s: float, cancel: threading.Event | None = None,
              canceller: Canceller | None = None) -> Iterator[Connection]:
    """A connection inside a read-only transaction with a statement timeout; always rolled back.

    SQLite is already ``mode=ro`` + ``query_only``; its timeout and cancellation use a progress
    handler. PostgreSQL uses ``SET TRANSACTION READ ONLY`` + ``statement_timeout``; MySQL and
    MariaDB ``START TRANSACTION READ ONLY`` + ``max_execution_time`` / ``max_statement_time``.
    """
    with engine.connect() as conn:
        name = conn.dialect.name
        raw = conn.connection.driver_connection
        if name == "sqlite" and isinstance(raw, sqlite3.Connection):
            deadline = time.monotonic() + timeout_s

            def stop() -> int:
                return 1 if (time.monotonic() > deadline or (cancel is not None and cancel.is_set())) else 0

            # Every N VM steps SQLite calls back into Python, which needs the GIL; a large N keeps
            # the GUI thread from queueing behind the workers (about 5-10 ms of SQLite work).
            raw.set_progress_handler(stop, 1_000_000)
        elif name == "postgresql":
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            server_statement_timeout(conn, name, timeout_s)
        elif name in ("mysql", "mariadb"):
            server_statement_timeout(conn, name, timeout_s)
            conn.exec_driver_sql("START TRANSACTION READ ONLY")
        token = canceller.register(engine, raw, name) if canceller is not None and name != "sqlite" else None
        try:
            yield conn
        finally:
            if token is not None and canceller is not None:
                canceller.unregister(token)
            if name == "sqlite" and isinstance(raw, sqlite3.Connection):
                raw.set_progress_handler(None, 0)
            conn.rollback()


# -- errors in plain words --------------------------------------------------------------------

def _driver_error(exc: BaseException) -> tuple[BaseException, str, int | None]:
    """The driver's own exception under SQLAlchemy's, its text in lower case, its error code."""
    orig = getattr(exc, "orig", None) or exc
    code = orig.args[0] if getattr(orig, "args", None) and isinstance(orig.args[0], int) else None
    return orig, str(orig).lower(), code


def login_refused(exc: BaseException) -> bool:
    """Whether the server refused the user name or password (not an unreachable server)."""
    _orig, msg, code = _driver_error(exc)
    return code == 1045 or any(s in msg for s in (
        "password authentication failed", "access denied", "no password supplied", "authentication failed"))


def explain(exc: BaseException, spec: ConnectionSpec, timeout_s: float | None = None) -> str:
    """Turn a driver exception into one sentence the officer can act on (no secrets inside)."""
    if isinstance(exc, ConnectionFailed):
        return exc.message
    if isinstance(exc, (NoSuchModuleError, ImportError)):
        return _driver_missing(spec)
    orig, msg, code = _driver_error(exc)
    url = make_url(spec.url)
    where = f"{url.host or 'localhost'}:{url.port}" if url.port else (url.host or "localhost")
    if login_refused(exc):
        return f"Wrong user name or password for connection {spec.name!r}."
    if code == 1049 or "unknown database" in msg or ("database" in msg and "does not exist" in msg):
        return f"The database {url.database!r} does not exist on {where}."
    if "statement timeout" in msg or "max_statement_time" in msg or "max_execution_time" in msg \
            or code in (1969, 3024) or "interrupted" in msg:
        limit = f" {timeout_s:g} s" if timeout_s else ""
        return f"A query on connection {spec.name!r} took longer than the time limit{limit} and was stopped."
    if "read-only" in msg or "read only" in msg or "readonly" in msg or code == 1792:
        return f"Connection {spec.name!r} is read-only for PrivDesk: the write was refused."
    if code in (2003, 2005, 2006, 2013) or any(s in msg for s in (
            "connection refused", "could not translate host", "name or service not known",
            "timeout expired", "timed out", "no route to host", "network is unreachable",
            "can't connect", "could not connect", "connection timed out", "temporary failure in name",
            "server closed the connection unexpectedly", "lost connection")):
        return f"The database server {where} of connection {spec.name!r} cannot be reached."
    if "unable to open database file" in msg:
        return f"The database file of connection {spec.name!r} cannot be opened."
    first = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    return f"Connection {spec.name!r} failed: {first[:300]}"


@dataclass(frozen=True)
class ProbeResult:
    """A connection test's outcome; ``login_refused`` when the server refused the password."""

    ok: bool
    message: str
    elapsed_s: float
    login_refused: bool = False


def _with_deadline(fn: Callable[[], str], timeout_s: float) -> tuple[str | None, BaseException | None, bool]:
    """Run ``fn`` in a daemon thread; (value, error, timed_out)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc

    t = threading.Thread(target=target, name="privdesk-conn-test", daemon=True)
    t.start()
    t.join(timeout_s)
    if t.is_alive():
        return None, None, True
    return box.get("value"), box.get("error"), False


def server_asks_password(spec: ConnectionSpec, timeout_s: float = CONNECT_TIMEOUT_S) -> bool:
    """Whether the server refuses this connection for lack of a password.

    Tries to log in without one (PostgreSQL trust, peer or certificate authentication, a
    ``.pgpass`` file, a MariaDB account without password all succeed). Any other outcome,
    including an unreachable server, is False: the search then reports the real problem instead
    of asking for a password nobody needs. A success is remembered for the process.
    """
    key = (spec.scope, spec.name, spec.url)
    with _passwordless_lock:
        if key in _PASSWORDLESS_OK:
            return False

    def attempt() -> str:
        engine = build_engine(spec, None)
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        finally:
            engine.dispose()
        return "ok"

    value, error, _timed_out = _with_deadline(attempt, timeout_s)
    if value == "ok":
        with _passwordless_lock:
            _PASSWORDLESS_OK.add(key)
        return False
    if error is None:
        return False
    orig = getattr(error, "orig", None) or error
    return any(sign in str(orig).lower() for sign in _NO_PASSWORD_SIGNS)


def probe_connection(spec: ConnectionSpec, password: str | None, timeout_s: float = CONNECT_TIMEOUT_S) -> ProbeResult:
    """Connect, open a read-only transaction and ask for the server version, within ``timeout_s``."""
    start = time.monotonic()

    def probe() -> str:
        engine = build_engine(spec, password)
        try:
            with read_only(engine, timeout_s) as conn:
                if conn.dialect.name == "sqlite":
                    conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
                else:
                    conn.exec_driver_sql("SELECT 1").scalar()
                info = getattr(conn.dialect, "server_version_info", None)
            version = ".".join(str(p) for p in info) if info else ""
            return f"{conn.dialect.name} {version}".strip()
        finally:
            engine.dispose()

    value, error, timed_out = _with_deadline(probe, timeout_s)
    elapsed = time.monotonic() - start
    if timed_out:
        url = make_url(spec.url)
        return ProbeResult(False, f"The database server {url.host or 'localhost'} of connection "
                                 f"{spec.name!r} cannot be reached (no answer within {timeout_s:g} s).", elapsed)
    if error is not None:
        if not isinstance(error, (SQLAlchemyError, DBAPIError, ConnectionFailed, ImportError, OSError)):
            log.error("connection test of %s failed unexpectedly: %s", spec.name, type(error).__name__)
        return ProbeResult(False, explain(error, spec, timeout_s), elapsed, login_refused(error))
    return ProbeResult(True, f"Connected to {value} in {elapsed:.2f} s (read-only).", elapsed)


