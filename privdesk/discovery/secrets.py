"""Connection secrets: the system keyring, or a session-only cache when no keyring backend works.

Entries live under service ``privdesk`` and are keyed by connection name *and* case database
(``crm@3f2a9c1e0b7d4a55``: the name, then a hash of the case database's identity), so two data
directories (two organisations, a test and a live setup) never overwrite or delete each other's
passwords. Entries written by older versions under the bare name are copied to the scoped key the
first time they are read (and left in place: another data directory may still rely on them).

Besides the password, secret-bearing URL options (``sslpassword``...) are kept as one JSON entry
``crm@...#options``; they never reach the case database.

Following Vorta, a headless machine without a keyring is told so and asked for the password
each session rather than having it written to a file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading

import keyring
from keyring.errors import KeyringError, NoKeyringError, PasswordDeleteError

from privdesk.discovery.errors import KeyringUnavailable

log = logging.getLogger("privdesk.discovery")

SERVICE = "privdesk"
_OPTIONS_SUFFIX = "#options"

_session: dict[tuple[str, str], str] = {}
_lock = threading.Lock()


def scope_key(scope: str) -> str:
    """A short, stable id of a case database (its file path or password-less URL)."""
    return hashlib.sha256(scope.encode("utf-8")).hexdigest()[:16]


def entry_name(name: str, scope: str = "") -> str:
    """The keyring user name of a connection's password in one case database."""
    return f"{name}@{scope_key(scope)}" if scope else name


def _no_keyring_message(name: str) -> str:
    return (f"No system keyring is available on this computer, so PrivDesk cannot save the password "
            f"of the connection {name!r}. It is kept for this session only and will be asked for "
            "again next time.")


def _set(user: str, value: str, name: str) -> None:
    try:
        keyring.set_password(SERVICE, user, value)
    except NoKeyringError as exc:
        log.warning("no keyring backend; secret of connection %s kept for the session", name)
        raise KeyringUnavailable(_no_keyring_message(name)) from exc
    except KeyringError as exc:
        log.warning("keyring refused the secret of connection %s: %s", name, type(exc).__name__)
        raise KeyringUnavailable(_no_keyring_message(name)) from exc


def _get(user: str, name: str) -> str | None:
    try:
        return keyring.get_password(SERVICE, user)
    except KeyringError:
        log.info("keyring unavailable while reading a secret of connection %s", name)
        return None


def _delete(user: str) -> None:
    try:
        keyring.delete_password(SERVICE, user)
    except (PasswordDeleteError, KeyringError):
        pass


def store_password(name: str, password: str, scope: str = "") -> None:
    """Save the password in the keyring; without one, keep it for the session and say so.

    Raises:
        KeyringUnavailable: after caching the password for the session.
    """
    with _lock:
        _session[(scope, name)] = password
    _set(entry_name(name, scope), password, name)
    with _lock:
        _session.pop((scope, name), None)


def remember_for_session(name: str, password: str, scope: str = "") -> None:
    """Keep a password typed by the officer until the process ends (no keyring available)."""
    with _lock:
        _session[(scope, name)] = password


def forget_for_session(name: str, scope: str = "") -> None:
    """Drop a password typed this session (one the server refused), so it is asked for again;
    the keyring is left alone."""
    with _lock:
        for key in ((scope, name), ("", name)):
            _session.pop(key, None)


def get_password(name: str, scope: str = "") -> str | None:
    """The session password first (typed this session), then the keyring; None when neither.

    A password saved by an older version under the bare connection name is copied to this case
    database's entry (migration) and returned.
    """
    with _lock:
        for key in ((scope, name), ("", name)):
            if key in _session:
                return _session[key]
    pw = _get(entry_name(name, scope), name)
    if pw is None and scope:
        legacy = _get(name, name)
        if legacy is not None:
            try:
                _set(entry_name(name, scope), legacy, name)
                log.info("keyring entry of connection %s moved to its case database's key", name)
            except KeyringUnavailable:
                pass
            return legacy
    return pw


def store_secret_options(name: str, options: dict[str, str], scope: str = "") -> None:
    """Save secret URL options (e.g. ``sslpassword``) beside the password.

    Raises:
        KeyringUnavailable: after caching them for the session.
    """
    if not options:
        return
    value = json.dumps(options, sort_keys=True)
    with _lock:
        _session[(scope, name + _OPTIONS_SUFFIX)] = value
    _set(entry_name(name, scope) + _OPTIONS_SUFFIX, value, name)
    with _lock:
        _session.pop((scope, name + _OPTIONS_SUFFIX), None)


def get_secret_options(name: str, scope: str = "") -> dict[str, str]:
    with _lock:
        raw = _session.get((scope, name + _OPTIONS_SUFFIX))
    if raw is None:
        raw = _get(entry_name(name, scope) + _OPTIONS_SUFFIX, name)
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def keyring_works() -> bool:
    try:
        keyring.get_password(SERVICE, "__privdesk_probe__")
    except KeyringError:
        return False
    return True


def delete_password(name: str, scope: str = "") -> None:
    """Forget the connection's password and secret options in this case database only."""
    with _lock:
        for key in ((scope, name), (scope, name + _OPTIONS_SUFFIX)):
            _session.pop(key, None)
    _delete(entry_name(name, scope))
    _delete(entry_name(name, scope) + _OPTIONS_SUFFIX)


def forget_session() -> None:
    """Drop every session password (tests; closing the case database)."""
    with _lock:
        _session.clear()
