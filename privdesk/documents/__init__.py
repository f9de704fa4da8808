"""Letters as PDFs: wording from ``resources/templates``, layout with reportlab's platypus.

Public API::

    check_letter_fits(kind, request, today=None)            -> None or LetterNotApplicableError
    render_letter(kind, request, profile, snapshot=None, portability_file=None, today=None) -> bytes
    build_letter(...)                                        -> RenderedLetter (pdf, pages, warnings)
    write_letter(kind, request, profile, path, ..., password=None) -> WrittenLetter (path, sha256, ...)
    ENCRYPTION                                               -> label of the encryption used

Inputs are the plain dataclasses of :mod:`privdesk.documents.model` and
:class:`privdesk.domain.profile.OrgProfile`; nothing here touches the case database.

The names load on first use (PEP 562): importing :mod:`privdesk.documents.model` for the letter
kinds must not pull reportlab and the layout in with it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from privdesk.documents.context import UnprintableTextError
    from privdesk.documents.encryption import ENCRYPTION, ENCRYPTION_METHOD
    from privdesk.documents.letters import (
        LetterNotApplicableError,
        RenderedLetter,
        WrittenLetter,
        build_letter,
        check_letter_fits,
        render_letter,
        write_letter,
    )
    from privdesk.documents.model import (
        LAWS,
        LETTER_KINDS,
        REQUEST_TYPES,
        Art15Info,
        ExportSnapshot,
        ExportSource,
        LetterRequest,
        PortabilityFile,
    )
    from privdesk.documents.templates import TemplateError, load_templates

_WHERE = {
    "UnprintableTextError": "context",
    "ENCRYPTION": "encryption",
    "ENCRYPTION_METHOD": "encryption",
    **dict.fromkeys(("LetterNotApplicableError", "RenderedLetter", "WrittenLetter", "build_letter",
                     "check_letter_fits", "render_letter", "write_letter"), "letters"),
    **dict.fromkeys(("LAWS", "LETTER_KINDS", "REQUEST_TYPES", "Art15Info", "ExportSnapshot", "ExportSource",
                     "LetterRequest", "PortabilityFile"), "model"),
    "TemplateError": "templates",
    "load_templates": "templates",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'privdesk.documents' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"privdesk.documents.{module}"), name)
    globals()[name] = value
    return value

__all__ = [
    "ENCRYPTION",
    "ENCRYPTION_METHOD",
    "LAWS",
    "LETTER_KINDS",
    "REQUEST_TYPES",
    "Art15Info",
    "ExportSnapshot",
    "ExportSource",
    "LetterNotApplicableError",
    "LetterRequest",
    "PortabilityFile",
    "RenderedLetter",
    "TemplateError",
    "UnprintableTextError",
    "WrittenLetter",
    "build_letter",
    "check_letter_fits",
    "load_templates",
    "render_letter",
    "write_letter",
]
