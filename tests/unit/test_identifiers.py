"""Identifier normalisation: the basis of every match across systems."""

from __future__ import annotations

import pytest

from privdesk.domain.identifiers import (
    email_problem,
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
