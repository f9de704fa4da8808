"""Migration 0003_requests: upgrades an older database and matches the models exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from privdesk.store.all_models import metadata
from privdesk.store.database import Database

TABLES = ("requests", "subject_identifiers", "attachments", "audit_log")


def _schema(db: Database) -> dict[str, tuple[set[str], set[str]]]:
    insp = inspect(db.engine)
    return {t: ({c["name"] for c in insp.get_columns(t)}, {str(i["name"]) for i in insp.get_indexes(t)})
            for t in TABLES}


def test_upgrade_from_officers_schema_keeps_data(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.sqlite3'}", backups_dir=tmp_path / "backups")
    db.upgrade_to("0002_officers_assets")
    with db.engine.begin() as c:
        c.execute(text("INSERT INTO officers (name, email, role, active) VALUES ('A', 'a@example.org', 'officer', 1)"))
    assert "requests" not in inspect(db.engine).get_table_names()
    backup = db.upgrade()
    assert backup is not None and backup.exists()
    assert db.migration_state().up_to_date
    schema = _schema(db)
    for table in TABLES:
        columns, indexes = schema[table]
        model = metadata.tables[table]
        assert columns == {c.name for c in model.columns}, table
        assert indexes == {str(i.name) for i in model.indexes}, table
    with db.engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM officers")).scalar() == 1
    db.dispose()


@pytest.mark.postgres
def test_migration_on_postgres(postgres_db: str) -> None:
    db = Database(postgres_db)
    db.upgrade()
    schema = _schema(db)
    assert {"ix_requests_deadline", "ix_requests_status_deadline", "ix_requests_subject_key"} <= schema["requests"][1]
    assert "ix_subject_identifiers_kind_normalised" in schema["subject_identifiers"][1]
    db.dispose()
