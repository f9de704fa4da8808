"""URL hygiene: passwords leave the URL, drivers are chosen, errors read plainly."""

from __future__ import annotations

from pathlib import Path

import pytest

from privdesk.discovery.connections import ConnectionSpec, explain, parse_url, validate_name
from privdesk.errors import ValidationError


def test_password_is_stripped_and_driver_chosen() -> None:
    url, pw = parse_url("postgresql://alice:s3cr%40t@db.example:5432/crm")
    assert pw == "s3cr@t"
    assert url == "postgresql+psycopg://alice@db.example:5432/crm"
    url, pw = parse_url("mysql://bob:pw@db/shop?charset=utf8mb4")
    assert url.startswith("mysql+pymysql://bob@db/shop") and pw == "pw"
    url, pw = parse_url("mariadb://bob@db/shop?password=hunter2")
    assert "hunter2" not in url and pw == "hunter2"


def test_sqlite_path_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    url, pw = parse_url("sqlite:///rel/crm.db")
    assert url == f"sqlite:///{tmp_path / 'rel' / 'crm.db'}" and pw is None
    with pytest.raises(ValidationError):
        parse_url("sqlite://")
    with pytest.raises(ValidationError):
        parse_url("not a url")


def test_names_validated() -> None:
    assert validate_name("  crm ") == "crm"
    for bad in ("", "a\nb", "x" * 101):
        with pytest.raises(ValidationError):
            validate_name(bad)


class _Err(Exception):
    pass


@pytest.mark.parametrize(("text", "expected"), [
    ('connection failed: FATAL:  password authentication failed for user "x"', "Wrong user name or password"),
    ('FATAL:  database "nope" does not exist', "does not exist"),
    ("connection refused", "cannot be reached"),
    ("canceling statement due to statement timeout", "time limit"),
    ("cannot execute INSERT in a read-only transaction", "read-only"),
])
def test_explain(text: str, expected: str) -> None:
    spec = ConnectionSpec("crm", "postgresql+psycopg://u@h:5432/nope")
    assert expected in explain(_Err(text), spec, 5)


def test_explain_mysql_codes() -> None:
    spec = ConnectionSpec("shop", "mysql+pymysql://u@h/shop")
    assert "Wrong user name" in explain(_Err(1045, "Access denied"), spec)
    assert "does not exist" in explain(_Err(1049, "Unknown database 'shop'"), spec)
    assert "cannot be reached" in explain(_Err(2003, "Can't connect"), spec)
