"""Which encryption password-protected PDFs get, decided without importing reportlab or pypdf.

The label is shown beside every password field (window and ``privdesk letter --help``), so it
must not cost the PDF libraries' import time; asking the import system whether the AES libraries
are installed is enough.
"""

from __future__ import annotations

from importlib.util import find_spec

AES_256 = "aes-256"
RC4_128 = "rc4-128"
ENCRYPTION_LABELS = {
    AES_256: "AES 256-bit (PDF 2.0)",
    RC4_128: "RC4 128-bit (PDF 1.4)",
}


def _aes_available() -> bool:
    return find_spec("cryptography") is not None and find_spec("pypdf") is not None


#: The encryption method password-protected letters get: ``"aes-256"`` or ``"rc4-128"``.
ENCRYPTION_METHOD = AES_256 if _aes_available() else RC4_128
#: What the UI shows next to the password field, e.g. "AES 256-bit (PDF 2.0)".
ENCRYPTION = ENCRYPTION_LABELS[ENCRYPTION_METHOD]
