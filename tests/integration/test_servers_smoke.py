"""The servers the suite starts answer queries."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text


@pytest.mark.postgres
def test_postgres_answers(postgres_db: str) -> None:
    eng = create_engine(postgres_db)
    with eng.connect() as c:
        assert c.execute(text("select 40 + 2")).scalar() == 42
    eng.dispose()


@pytest.mark.mariadb
def test_mariadb_answers(mariadb_db: str) -> None:
    eng = create_engine(mariadb_db)
    with eng.connect() as c:
        assert "mariadb" in str(c.execute(text("select version()")).scalar()).lower()
        assert c.execute(text("select 40 + 2")).scalar() == 42
    eng.dispose()
