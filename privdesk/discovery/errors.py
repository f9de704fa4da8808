"""Errors of the subject search, each a sentence for the officer."""

from __future__ import annotations

from privdesk.errors import PrivDeskError


class ConnectionFailed(PrivDeskError):
    """A connected database could not be reached, logged into or read."""


class KeyringUnavailable(PrivDeskError):
    """No system keyring works here; the password is kept for this session only."""


class PasswordNeeded(PrivDeskError):
    """The connection needs a password that neither the keyring nor this session holds.

    The UI asks for it and calls :func:`privdesk.discovery.secrets.remember_for_session`.
    """

    def __init__(self, message: str, connection: str) -> None:
        super().__init__(message)
        self.connection = connection
