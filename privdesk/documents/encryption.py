"""Which encryption password-protected PDFs get, decided without importing reportlab or pypdf.

The label is shown beside every password field (window and ``privdesk letter --help``), so it
must not cost the PDF libraries' import time. There is one method, AES-256: a letter the officer
asked to protect is AES-256 or not written (:class:`EncryptionUnavailableError`), never a weaker
cipher such as reportlab's RC4.
"""

from __future__ import annotations

from privdesk.errors import PrivDeskError

AES_256 = "aes-256"
ENCRYPTION_LABELS = {AES_256: "AES 256-bit (PDF 2.0)"}
#: The encryption password-protected letters get; the only one (no RC4 fall-back).
ENCRYPTION_METHOD = AES_256
#: What the UI shows next to the password field, e.g. "AES 256-bit (PDF 2.0)".
ENCRYPTION = ENCRYPTION_LABELS[ENCRYPTION_METHOD]


class EncryptionUnavailableError(PrivDeskError):
    """AES-256 cannot be written here; a protected letter is never written weaker."""


def aes_available() -> bool:
    """Whether pypdf and its AES provider load (asked only when a password is given, when the
    letter is about to be encrypted with them anyway)."""
    try:
        import cryptography  # noqa: F401
        import pypdf  # noqa: F401
    except ImportError:
        return False
    return True
