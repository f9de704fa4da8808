"""Letters as PDFs: wording from ``resources/templates``, layout with reportlab's platypus.

Public API::

    check_letter_fits(kind, request, today=None)            -> None or LetterNotApplicableError
    render_letter(kind, request, profile, snapshot=None, portability_file=None, today=None) -> bytes
    build_letter(...)                                        -> RenderedLetter (pdf, pages, warnings)
    write_letter(kind, request, profile, path, ..., password=None) -> WrittenLetter (path, sha256, ...)
    ENCRYPTION                                               -> label of the encryption used

Inputs are the plain dataclasses of :mod:`privdesk.documents.model` and
:class:`privdesk.domain.profile.OrgProfile`; nothing here touches the case database.
"""

from privdesk.documents.context import UnprintableTextError
from privdesk.documents.letters import (
    ENCRYPTION,
    ENCRYPTION_METHOD,
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
