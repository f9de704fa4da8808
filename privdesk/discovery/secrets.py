"""Connection passwords: the system keyring (service ``privdesk``, one entry per connection name),
or a session-only cache when no keyring backend works.

Following Vorta, a headless machine without a keyring is told so and asked for the password
each session rather than having it written to a file.
"""

from __future__ import annotations

import logging
import threading

import keyring
from keyring.errors import KeyringError, NoKeyringError, PasswordDeleteError

from privdesk.discovery.errors import KeyringUnavailable

log = logging.getLogger("privdesk.discovery")

SERVICE = "privdesk"

_session: dict[str, str] = {}
_lock = threading.Lock()


def _no_keyring_message(name: str) -> str:
    return (f"No system keyring is available on this computer, so PrivDesk cannot save the password "
            f"of the connection {name!r}. It is kept for this session only and will be asked for "
            "again next time.")


def store_password(name: str, password: str) -> None:
    """Save the password in the keyring; without one, keep it for the session and say so.

    Raises:
        KeyringUnavailable: after caching the password for the session.
    """
    with _lock:
        _session[name] = password
    try:
        keyring.set_password(SERVICE, name, password)
    except NoKeyringError as exc:
        log.warning("no keyring backend; password of connection %s kept for the session", name)
        raise KeyringUnavailable(_no_keyring_message(name)) from exc
    except KeyringError as exc:
        log.warning("keyring refused the password of connection %s: %s", name, type(exc).__name__)
        raise KeyringUnavailable(_no_keyring_message(name)) from exc
    with _lock:
        _session.pop(name, None)


def remember_for_session(name: str, password: str) -> None:
    """Keep a password typed by the officer until the process ends (no keyring available)."""
    with _lock:
        _session[name] = password


def get_password(name: str) -> str | None:
    """The session password first (typed this session), then the keyring; None when neither."""
    with _lock:
        if name in _session:
            return _session[name]
    try:
        return keyring.get_password(SERVICE, name)
    except KeyringError:
        log.info("keyring unavailable while reading the password of connection %s", name)
        return None


def keyring_works() -> bool:
    try:
        keyring.get_password(SERVICE, "__privdesk_probe__")
    except KeyringError:
        return False
    return True


def delete_password(name: str) -> None:
    with _lock:
        _session.pop(name, None)
    try:
        keyring.delete_password(SERVICE, name)
    except (PasswordDeleteError, KeyringError):
        pass


def forget_session() -> None:
    """Drop every session password (tests; closing the case database)."""
    with _lock:
        _session.clear()
