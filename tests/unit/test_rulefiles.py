"""The one rule-file reader: every refusal names the file, the line, the dotted key and the fault."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from privdesk.domain.rulefiles import (
    RuleFileError,
    RuleReader,
    key_line,
    load_rule_file,
    located,
    refusal,
)
from privdesk.domain.withholding import load_grounds
from privdesk.errors import ConfigurationError
from privdesk.paths import resource_path

WHAT = "Test rule file"

TEXT = """\
id = "demo"
count = 3

[clock]
amber = 24
unit = "hours"
"""


def _write(tmp_path: Path, text: str = TEXT) -> Path:
    path = tmp_path / "demo.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _refusal(tmp_path: Path, data: dict[str, Any], read: Callable[[RuleReader], object]) -> str:
    """The message with which ``read`` is refused on a reader over ``data``."""
    reader = RuleReader(tmp_path / "x.toml", data, WHAT)
    with pytest.raises(RuleFileError) as info:
        read(reader)
    return info.value.message


@pytest.mark.parametrize(("data", "read", "problem"), [
    ({}, lambda r: r.get("k"), "key 'k' is missing."),
    ({}, lambda r: r.text("k"), "key 'k' is missing."),
    ({"k": "   "}, lambda r: r.text("k"), "key 'k' must be a non-empty text."),
    ({"k": 5}, lambda r: r.text("k", required=False), "key 'k' must be a non-empty text."),
    ({}, lambda r: r.flag("k"), "key 'k' is missing."),
    ({"k": "yes"}, lambda r: r.flag("k", default=False), "key 'k' must be true or false, not 'yes'."),
    ({"k": 0}, lambda r: r.whole("k", 1), "key 'k' must be a whole number of at least 1, not 0."),
    ({"k": "one"}, lambda r: r.whole("k", 1), "key 'k' must be a whole number of at least 1, not 'one'."),
    ({"k": True}, lambda r: r.whole("k", 0), "key 'k' must be a whole number of at least 0, not True."),
    ({"k": 1.5}, lambda r: r.whole("k", 0, required=False), "key 'k' must be a whole number of at least 0, not 1.5."),
    ({"k": []}, lambda r: r.texts("k"), "key 'k' must be a non-empty list of texts."),
    ({"k": ["a", " "]}, lambda r: r.texts("k"), "key 'k' must be a non-empty list of texts."),
    ({"k": "a"}, lambda r: r.texts("k", required=False), "key 'k' must be a list of texts."),
    ({"k": ["a", 2]}, lambda r: r.texts("k", required=False), "key 'k' must be a list of texts."),
    ({"k": "weeks"}, lambda r: r.choice("k", ("days", "months")), "key 'k' must be one of days, months, not 'weeks'."),
    ({}, lambda r: r.choice("k", ("days",)), "key 'k' is missing."),
    ({"k": 3}, lambda r: r.table("k"), "key 'k' must be a table."),
    ({}, lambda r: r.table("k"), "key 'k' is missing."),
    ({"k": 1, "kk": 2}, lambda r: (r.get("k"), r.done()), "key 'kk' is not a known setting (check the spelling)."),
])
def test_each_reader_refuses_in_plain_words_with_file_and_key(
    tmp_path: Path, data: dict[str, Any], read: Callable[[RuleReader], object], problem: str,
) -> None:
    assert _refusal(tmp_path, data, read) == f"{WHAT} {tmp_path / 'x.toml'}: {problem}"


def test_readers_return_values_and_defaults(tmp_path: Path) -> None:
    r = RuleReader(tmp_path / "x.toml", {"t": "  a text ", "f": True, "n": 4, "l": ["a", "b"], "u": "days",
                                         "sub": {"x": 1}}, WHAT)
    assert r.text("t") == "a text" and r.text("absent", required=False, default="d") == "d"
    assert r.flag("f") is True and r.flag("absent-flag", default=False) is False
    assert r.whole("n", 1) == 4 and r.whole("absent-n", 1, required=False, default=7) == 7
    assert r.texts("l") == ("a", "b") and r.texts("absent-l", required=False) == ()
    assert r.choice("u", ("days", "months")) == "days"
    assert r.table("absent-table", required=False) is None
    sub = r.table("sub")
    assert sub.get("x") == 1 and sub.what == WHAT
    r.done()  # every key was read: nothing is refused
    sub.done()


def test_a_sub_table_names_the_dotted_key_and_keeps_the_reader_kind(tmp_path: Path) -> None:
    class Custom(RuleReader):
        pass

    top = Custom(tmp_path / "x.toml", {"a": {"b": {"c": "x"}}}, WHAT)
    inner = top.table("a").table("b")
    assert isinstance(inner, Custom)
    with pytest.raises(RuleFileError) as info:
        inner.whole("c", 1)
    assert "key 'a.b.c' must be a whole number of at least 1, not 'x'." in info.value.message
    assert info.value.key == "a.b.c"


def test_key_line_finds_keys_and_tables() -> None:
    assert key_line(TEXT, "count") == 2
    assert key_line(TEXT, "clock") == 4
    assert key_line(TEXT, "clock.unit") == 6
    assert key_line(TEXT, "clock.missing") == 4  # not in the file: the line of its table
    assert key_line(TEXT, "nowhere") == 0
    inline = 'a = 1\n[grounds]\nsecret = { label = "x", citation = "y" }\n'
    assert key_line(inline, "grounds.secret.label") == 3  # inside an inline table: the line of that table


def test_load_rule_file_adds_the_line_of_the_key(tmp_path: Path) -> None:
    path = _write(tmp_path, TEXT.replace('unit = "hours"', 'unit = "weeks"'))

    def parse(p: Path, data: dict[str, Any]) -> str:
        clock = RuleReader(p, data, WHAT).table("clock")
        return clock.choice("unit", ("hours", "days"))

    with pytest.raises(RuleFileError) as info:
        load_rule_file(path, WHAT, parse)
    assert info.value.message == f"{WHAT} {path}, line 6: key 'clock.unit' must be one of hours, days, not 'weeks'."
    assert load_rule_file(_write(tmp_path), WHAT, parse) == "hours"


def test_a_missing_key_has_no_line_and_a_missing_table_key_points_at_its_table(tmp_path: Path) -> None:
    path = _write(tmp_path)
    with pytest.raises(RuleFileError) as info:
        load_rule_file(path, WHAT, lambda p, d: RuleReader(p, d, WHAT).text("name"))
    assert info.value.message == f"{WHAT} {path}: key 'name' is missing."
    with pytest.raises(RuleFileError) as info:
        load_rule_file(path, WHAT, lambda p, d: RuleReader(p, d, WHAT).table("clock").flag("pauses"))
    assert info.value.message == f"{WHAT} {path}, line 4: key 'clock.pauses' is missing."


def test_located_and_refusal_outside_a_reader(tmp_path: Path) -> None:
    path = _write(tmp_path)
    exc = located(refusal(WHAT, path, "id", "is 'demo', a name already taken."))
    assert exc.message == f"{WHAT} {path}, line 1: key 'id' is 'demo', a name already taken."
    gone = located(refusal(WHAT, tmp_path / "gone.toml", "id", "is wrong."))  # unreadable file: no line
    assert gone.message == f"{WHAT} {tmp_path / 'gone.toml'}: key 'id' is wrong."


def test_broken_toml_and_a_missing_file_are_named(tmp_path: Path) -> None:
    path = _write(tmp_path, "[clock\n")
    with pytest.raises(ConfigurationError, match=rf"{WHAT} .*demo.toml is not valid TOML: .*line 1"):
        load_rule_file(path, WHAT, lambda p, d: d)
    with pytest.raises(ConfigurationError, match=r"Cannot read the test rule file .*absent.toml: No such file"):
        load_rule_file(tmp_path / "absent.toml", WHAT, lambda p, d: d)


# -- the withholding grounds file (read through the same reader) ------------------------------------

def _grounds_file(tmp_path: Path, old: str = "", new: str = "") -> Path:
    """A copy of the shipped grounds file, with ``old`` replaced by ``new`` once."""
    text = resource_path("register", "grounds.toml").read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "grounds.toml"
    path.write_text(text.replace(old, new, 1) if old else text, encoding="utf-8")
    return path


def test_shipped_grounds_load(tmp_path: Path) -> None:
    grounds = load_grounds(_grounds_file(tmp_path))
    assert grounds["gdpr"]["rights-of-others"].citation == "Article 15(4) GDPR"
    assert "negotiations" in grounds["uk-gdpr"] and "default" in grounds


@pytest.mark.parametrize(("old", "new", "message"), [
    ('trade-secret = { label = "disclosure would reveal a trade secret or intellectual property", ',
     'trade-secret = { lable = "disclosure would reveal a trade secret or intellectual property", ',
     r"Withholding grounds file .*grounds.toml, line \d+: key 'default.trade-secret.label' is missing."),
    ('citation = "Recital 63 GDPR" }', 'citation = "" }',
     r", line \d+: key 'default.trade-secret.citation' must be a non-empty text."),
    ('citation = "Article 15(4) GDPR" }', 'citation = "Article 15(4) GDPR", note = "x" }',
     r"key 'default.rights-of-others.note' is not a known setting \(check the spelling\)."),
    ("\n[default]\n", '\ncpra = "as ccpa"\n\n[default]\n', r", line \d+: key 'cpra' must be a table."),
    ("\n[default]\n", "\n[fallback]\n", r"key 'default' is missing: it holds the grounds of every law without a table"),
])
def test_a_wrong_grounds_file_is_refused_with_line_key_and_reason(tmp_path: Path, old: str, new: str,
                                                                  message: str) -> None:
    grounds_file = _grounds_file(tmp_path, old, new)
    with pytest.raises(RuleFileError, match=message) as info:
        load_grounds(grounds_file)
    assert str(grounds_file) in info.value.message
    if ", line " in info.value.message:
        line = int(info.value.message.split(", line ")[1].split(":")[0])
        shown = grounds_file.read_text(encoding="utf-8").splitlines()[line - 1]
        assert any(part in shown for part in info.value.key.split(".")), shown
