"""Identifier normalisation: the basis of every match across systems."""

from __future__ import annotations

import pytest

from privdesk.domain.identifiers import (
    MAX_NAME_SPELLINGS,
    email_problem,
    name_spellings,
    normalise_email,
    normalise_name,
    normalise_phone,
    phone_match_keys,
    phone_problem,
)


def test_email_normalised_by_trim_and_casefold() -> None:
    assert normalise_email("  Zoe.Odegard@Example.COM ") == "zoe.odegard@example.com"


@pytest.mark.parametrize("bad", ["", "nobody", "a@b", "a b@example.com", "x@@example.com", "a..b@example.com"])
def test_bad_emails_have_a_reason(bad: str) -> None:
    assert email_problem(bad)


@pytest.mark.parametrize("stored", ["+44 20 7946 0958", "(020) 7946-0958", "442079460958", "0044 20 7946 0958"])
def test_uk_phone_formats_normalise_alike(stored: str) -> None:
    assert normalise_phone(stored, "GB") == "+442079460958"


def test_match_keys_cover_international_and_national_digits() -> None:
    assert {"442079460958", "02079460958"} <= phone_match_keys("+44 20 7946 0958")


def test_phone_problems() -> None:
    assert phone_problem("call me") is not None
    assert phone_problem("12") is not None
    assert phone_problem("+1 415 555 0142") is None


def test_name_normalisation_keeps_letters() -> None:
    assert normalise_name("  ZOË   Ødegård ") == "zoë ødegård"


# (a, b): spellings of one name that must match, and pairs that must not (normalise_name's docstring)
SAME_NAME = [
    ("Yılmaz", "YILMAZ"), ("Yilmaz", "Yılmaz"), ("İstanbul", "ISTANBUL"), ("I\u0307stanbul", "istanbul"),
    ("Strauß", "STRAUSS"), ("STRAUẞ", "strauss"), ("ﬁnn", "FINN"), ("ＹＩＬＭＡＺ", "Yılmaz"),
    ("Smith-Jones", "smith jones"), ("Smith – Jones", "Smith Jones"), ("  Ana   SILVA ", "ana silva"),
    ("O’Brien", "O'BRIEN"), ("Zoë", "Zoe\u0308"), ("ZOË ØDEGÅRD", "Zoë Ødegård"),
]
OTHER_NAME = [
    ("Ødegård", "Odegard"), ("Zoë", "Zoe"), ("Ayşe", "Ayse"), ("Müller", "Muller"), ("Jan", "Jana"),
    ("Smith Jones", "SmithJones"), ("Łukasz", "Lukasz"),
]


@pytest.mark.parametrize(("a", "b"), SAME_NAME)
def test_spellings_of_one_name_match(a: str, b: str) -> None:
    assert normalise_name(a) == normalise_name(b)


@pytest.mark.parametrize(("a", "b"), OTHER_NAME)
def test_different_letters_do_not_match(a: str, b: str) -> None:
    assert normalise_name(a) != normalise_name(b)


def test_name_spellings_share_the_key_and_include_what_was_typed() -> None:
    spellings = name_spellings("Ayşe Yılmaz-Strauß")
    assert {"ayşe yılmaz-strauss", "ayşe yilmaz strauss", "ayşe yılmaz strauß"} <= set(spellings)
    assert {normalise_name(s) for s in spellings} == {normalise_name("AYŞE YILMAZ STRAUSS")}
    assert len(name_spellings("Lissi Kiri-Strauß O'Neill")) <= MAX_NAME_SPELLINGS + 2
