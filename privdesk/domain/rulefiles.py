"""Reading the rule and template files that hold the law as data.

Every such file is TOML that a legal team may edit, so a broken file must be reported by name in a
sentence, never as a traceback. :class:`RuleReader` is the one strict reader of the rule files (law
files, breach rule files, withholding grounds): every refusal names the file, the line where the
key stands, the dotted key and what is wrong with it, and a key nobody reads is refused as a typo.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Self, TypeVar, cast, overload

from privdesk.errors import ConfigurationError

T = TypeVar("T")


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """The parsed file; ``what`` names the kind of file in the error ("Law file", "Breach rule file")."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigurationError(f"Cannot read the {what.lower()} {path}: {exc.strerror}.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{what} {path} is not valid TOML: {exc}.") from exc


class RuleFileError(ConfigurationError):
    """A rule file breaks a rule; ``key`` is the dotted key at fault, ``what`` and ``path`` the
    file, so that :func:`located` can add the key's line."""

    def __init__(self, message: str, key: str = "", what: str = "", path: Path | None = None) -> None:
        super().__init__(message)
        self.key, self.what, self.path = key, what, path


def refusal(what: str, path: Path, key: str, problem: str) -> RuleFileError:
    """The sentence for one wrong key: "Law file F: key 'a.b' must be ..." (see :func:`located`)."""
    return RuleFileError(f"{what} {path}: key '{key}' {problem}", key, what, path)


def key_line(text: str, dotted: str) -> int:
    """The line (1-based) where ``dotted`` is set in the TOML ``text``, or of its table (a
    ``[header]`` or an inline ``key = { ... }``); 0 if absent."""
    line = _line_of(text, dotted)
    if not line and "." in dotted:
        return key_line(text, dotted.rpartition(".")[0])
    return line


def _line_of(text: str, dotted: str) -> int:
    table, _, key = dotted.rpartition(".")
    current, table_line = "", 0
    header = re.compile(r"^\s*\[+\s*([^\]]+?)\s*\]+")
    assign = re.compile(r"^\s*(\"[^\"]*\"|[A-Za-z0-9_-]+)\s*=")
    for n, line in enumerate(text.splitlines(), start=1):
        m = header.match(line)
        if m:
            current = m.group(1).replace('"', "").replace(" ", "")
            if current == dotted:
                return n
            if current == table or (not table_line and table and current.startswith(table + ".")):
                table_line = n
            continue
        a = assign.match(line)
        if a and current == table and a.group(1).strip('"') == key:
            return n
    return table_line


def located(exc: RuleFileError) -> RuleFileError:
    """``exc`` with the line of its key in the file added ("Law file F, line 12: key ..."), or
    ``exc`` itself when the key (a missing one, say) stands on no line."""
    if not exc.key or exc.path is None:
        return exc
    try:
        line = key_line(exc.path.read_text(encoding="utf-8"), exc.key)
    except (OSError, UnicodeDecodeError):
        return exc
    head = f"{exc.what} {exc.path}:"
    if not line or not exc.message.startswith(head):
        return exc
    return RuleFileError(exc.message.replace(head, f"{exc.what} {exc.path}, line {line}:", 1),
                         exc.key, exc.what, exc.path)


def load_rule_file(path: Path, what: str, parse: Callable[[Path, dict[str, Any]], T]) -> T:
    """Read ``path`` and hand it to ``parse``; a :class:`RuleFileError` it raises gets its line."""
    data = read_toml(path, what)
    try:
        return parse(path, data)
    except RuleFileError as exc:
        raise located(exc) from None


class RuleReader:
    """Walks one parsed table of a rule file; every refusal names the file and the dotted key.

    ``what`` names the kind of file in the sentence ("Law file", "Breach rule file"). The reader
    remembers the keys it was asked for, so :meth:`done` can refuse the rest. A subclass may add
    readers of its own values (a law's period); :meth:`table` returns the subclass.
    """

    def __init__(self, path: Path, data: Mapping[str, Any], what: str = "Rule file", prefix: str = "") -> None:
        self.path = path
        self.data = data
        self.what = what
        self.prefix = prefix
        self.seen: set[str] = set()

    def name(self, key: str) -> str:
        """The dotted key as the officer finds it in the file (``types.access.citation``)."""
        return f"{self.prefix}{key}"

    def fail(self, key: str, problem: str) -> RuleFileError:
        """The refusal of ``key``: ``problem`` is the rest of the sentence ("must be a table.")."""
        return refusal(self.what, self.path, self.name(key), problem)

    def has(self, key: str) -> bool:
        return key in self.data

    def get(self, key: str, required: bool = True) -> Any:
        """The raw value (None when absent and not required); the key counts as read."""
        self.seen.add(key)
        if key not in self.data:
            if required:
                raise self.fail(key, "is missing.")
            return None
        return self.data[key]

    def text(self, key: str, required: bool = True, default: str = "") -> str:
        """A text, stripped; a required one may not be blank, an absent optional one is ``default``."""
        value = self.get(key, required)
        if value is None:
            return default
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(key, "must be a non-empty text.")
        return value.strip()

    def flag(self, key: str, default: bool | None = None) -> bool:
        """true or false; required unless a ``default`` is given."""
        value = self.get(key, default is None)
        if value is None:
            assert default is not None
            return default
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, not {value!r}.")
        return value

    def whole(self, key: str, minimum: int, required: bool = True, default: int = 0) -> int:
        """A whole number of at least ``minimum`` (true and false are not numbers)."""
        value = self.get(key, required)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(key, f"must be a whole number of at least {minimum}, not {value!r}.")
        return value

    def texts(self, key: str, required: bool = True) -> tuple[str, ...]:
        """A list of texts: a required one must hold at least one, none blank; an absent optional
        one is empty."""
        value = self.get(key, required)
        if value is None:
            return ()
        if required:
            if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
                raise self.fail(key, "must be a non-empty list of texts.")
        elif not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, "must be a list of texts.")
        return tuple(cast(list[str], value))

    def choice(self, key: str, choices: Sequence[str]) -> str:
        """One of ``choices`` exactly as written (a unit, a layout)."""
        value = self.get(key)
        if value not in choices:
            raise self.fail(key, f"must be one of {', '.join(choices)}, not {value!r}.")
        return cast(str, value)

    @overload
    def table(self, key: str, required: Literal[True] = ...) -> Self: ...

    @overload
    def table(self, key: str, required: bool) -> Self | None: ...

    def table(self, key: str, required: bool = True) -> Self | None:
        """The reader of a sub-table (None when absent and not required)."""
        value = self.get(key, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table.")
        return type(self)(self.path, value, self.what, f"{self.name(key)}.")

    def done(self) -> None:
        """Refuse keys nobody read: they are typos or rules the engine would silently ignore."""
        for key in self.data:
            if key not in self.seen:
                raise self.fail(key, "is not a known setting (check the spelling).")
