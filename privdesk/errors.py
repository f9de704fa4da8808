"""Errors a person can cause, each carrying a sentence written for that person.

The CLI prints the message and exits 2; the UI shows it in a dialog. Anything else is a bug and
keeps its traceback.
"""


class PrivDeskError(Exception):
    """Base class for every error a user can cause and fix."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationError(PrivDeskError):
    """A value the user typed or imported is not acceptable."""


class NotFoundError(PrivDeskError):
    """The thing the user named does not exist."""


class ConflictError(PrivDeskError):
    """Someone else changed the record since it was read."""


class DatabaseVersionError(PrivDeskError):
    """The case database was written by a newer PrivDesk, or cannot be upgraded."""


class ConfigurationError(PrivDeskError):
    """A setting, path or rule file is unusable."""
