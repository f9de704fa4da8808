"""The case database: migrations on SQLite and PostgreSQL, upgrades with backups, refusals."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from privdesk.cli import main
from privdesk.errors import DatabaseVersionError
from privdesk.services import settings as svc
from privdesk.services.context import AppContext
from privdesk.store.database import Database, UpgradeNeedsConfirmation


def test_migrates_empty_sqlite_to_head(data_dir: Path) -> None:
    ctx = AppContext.open(data_dir)
    state = ctx.db.migration_state()
    assert state.up_to_date and state.current
    tables = set(inspect(ctx.db.engine).get_table_names())
    assert {"settings", "officers", "assets", "alembic_version"} <= tables
    assert ctx.last_backup is None, "a brand-new database needs no backup"
    assert (data_dir / "privdesk.sqlite3").exists()
    ctx.close()


def test_sqlite_has_wal_and_foreign_keys(ctx: AppContext) -> None:
    with ctx.db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_old_schema_upgrades_with_data_intact_and_backup(data_dir: Path) -> None:
    db_file = data_dir / "privdesk.sqlite3"
    old = Database(f"sqlite:///{db_file}", backups_dir=data_dir / "backups")
    old.upgrade_to("0001_settings")
    with old.engine.begin() as conn:
        conn.execute(text("INSERT INTO settings (key, value) VALUES ('org.name', 'Old Data Ltd')"))
    assert "officers" not in inspect(old.engine).get_table_names()
    old.dispose()

    ctx = AppContext.open(data_dir)
    assert ctx.db.migration_state().up_to_date
    assert svc.get_settings(ctx)["org.name"] == "Old Data Ltd"
    assert "officers" in inspect(ctx.db.engine).get_table_names()
    backup = ctx.last_backup
    assert backup is not None and backup.exists() and backup.parent == data_dir / "backups"
    assert backup.stat().st_mode & 0o077 == 0, "the backup holds personal data: owner-only"
    with sqlite3.connect(backup) as b:
        assert b.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001_settings"
        assert b.execute("SELECT value FROM settings WHERE key='org.name'").fetchone()[0] == "Old Data Ltd"
    ctx.close()


def test_reopening_an_up_to_date_database_makes_no_backup(data_dir: Path) -> None:
    AppContext.open(data_dir).close()
    ctx = AppContext.open(data_dir)
    assert ctx.last_backup is None
    assert not (data_dir / "backups").exists() or not any((data_dir / "backups").iterdir())
    ctx.close()


def test_newer_database_is_refused_and_left_alone(data_dir: Path) -> None:
    ctx = AppContext.open(data_dir)
    with ctx.db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future' "
                          "WHERE version_num = (SELECT max(version_num) FROM alembic_version)"))
    ctx.close()
    with pytest.raises(DatabaseVersionError, match="newer version of PrivDesk"):
        AppContext.open(data_dir)
    with sqlite3.connect(data_dir / "privdesk.sqlite3") as conn:
        versions = {r[0] for r in conn.execute("SELECT version_num FROM alembic_version")}
        assert "9999_from_the_future" in versions


def test_data_dir_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "elsewhere"
    monkeypatch.setenv("PRIVDESK_DATA_DIR", str(target))
    ctx = AppContext.open()
    assert ctx.paths.data_dir == target.resolve()
    assert (target / "privdesk.sqlite3").exists()
    assert ctx.paths.log_dir == target.resolve() / "logs"
    ctx.close()


def test_default_paths_use_platform_dirs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from privdesk.paths import resolve_paths

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    paths = resolve_paths()
    assert paths.data_dir == tmp_path / "xdg" / "privdesk"
    assert paths.db_url.endswith("privdesk.sqlite3") and paths.db_url.startswith("sqlite:///")


@pytest.mark.postgres
def test_migrates_empty_postgres_to_head_and_round_trips(postgres_db: str, data_dir: Path) -> None:
    ctx = AppContext.open(data_dir, db_url=postgres_db.replace("postgresql+psycopg", "postgresql"))
    assert ctx.db.dialect == "postgresql"
    assert ctx.db.migration_state().up_to_date
    assert {"settings", "officers", "assets"} <= set(inspect(ctx.db.engine).get_table_names())
    svc.set_setting(ctx, "org.name", "Team Queue GmbH")
    svc.add_officer(ctx, "Jörg Weiß", "joerg@example.de", "manager")
    assert svc.get_settings(ctx)["org.name"] == "Team Queue GmbH"
    assert [o.name for o in svc.list_officers(ctx)] == ["Jörg Weiß"]
    assert "privdesk-test" not in ctx.db.describe(), "the password never shows"
    ctx.close()


@pytest.mark.postgres
def test_old_postgres_schema_upgrades(postgres_db: str, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = Database(postgres_db)
    old.upgrade_to("0001_settings")
    with old.engine.begin() as conn:
        conn.execute(text("INSERT INTO settings (key, value) VALUES ('dpo.name', 'Ana Lima')"))
    old.dispose()
    # No backup of a server database: PrivDesk says so, prints the dump command and waits for --yes.
    with pytest.raises(UpgradeNeedsConfirmation, match="--yes") as exc:
        AppContext.open(data_dir, db_url=postgres_db)
    assert exc.value.dump_command.startswith("pg_dump --format=custom --file=privdesk-before-upgrade-")
    assert "privdesk-test" not in exc.value.message and "@127.0.0.1" in exc.value.dump_command
    still_old = Database(postgres_db)
    assert not still_old.migration_state().up_to_date
    still_old.dispose()
    code = main(["--data-dir", str(data_dir), "--db-url", postgres_db, "settings", "show"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pg_dump" in err and "--yes" in err
    ctx = AppContext.open(data_dir, db_url=postgres_db, confirm_upgrade=True)
    assert svc.get_settings(ctx)["dpo.name"] == "Ana Lima"
    assert ctx.db.migration_state().up_to_date
    assert ctx.last_backup is None  # backups are for SQLite files; PostgreSQL has its own tools
    ctx.close()
    assert main(["--data-dir", str(data_dir), "--db-url", postgres_db, "--yes", "settings", "show"]) == 0


def test_two_processes_upgrading_at_once_upgrade_once(data_dir: Path) -> None:
    """Issue 11 point 13: one crashed and two backups were made."""
    import subprocess
    import sys

    db_file = data_dir / "privdesk.sqlite3"
    old = Database(f"sqlite:///{db_file}", backups_dir=data_dir / "backups")
    old.upgrade_to("0001_settings")
    old.dispose()
    script = ("import sys; from privdesk.services.context import AppContext; "
              "c = AppContext.open(sys.argv[1]); print('backup' if c.last_backup else 'none'); c.close()")
    procs = [subprocess.Popen([sys.executable, "-c", script, str(data_dir)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [e for _o, e in outs]
    assert sorted(o.strip() for o, _e in outs) == ["backup", "none", "none"]
    assert len(list((data_dir / "backups").iterdir())) == 1


def test_migrations_match_the_models_for_every_table(data_dir: Path) -> None:
    """What Alembic builds is exactly what the models describe: columns, nullability and indexes."""
    from privdesk.store.all_models import metadata

    ctx = AppContext.open(data_dir)
    insp = inspect(ctx.db.engine)
    assert set(metadata.tables) <= set(insp.get_table_names())
    for name, table in metadata.tables.items():
        db_cols = {c["name"]: c for c in insp.get_columns(name)}
        assert set(db_cols) == {c.name for c in table.columns}, name
        for col in table.columns:
            assert bool(db_cols[col.name]["nullable"]) == bool(col.nullable) or col.primary_key, (name, col.name)
        assert {str(i["name"]) for i in insp.get_indexes(name)} >= {str(i.name) for i in table.indexes}, name
    ctx.close()


def test_packaged_revisions_read_from_text_agree_with_alembic() -> None:
    """Start-up reads the revision ids from the migration files' text; Alembic must agree."""
    from alembic.script import ScriptDirectory

    from privdesk.store.database import alembic_config
    from privdesk.store.revisions import packaged_heads, packaged_revisions

    script = ScriptDirectory.from_config(alembic_config())
    assert set(packaged_heads()) == set(script.get_heads())
    alembic_revisions = {r.revision: tuple(r._all_down_revisions) for r in script.walk_revisions()}
    assert {rev: set(down) for rev, down in packaged_revisions().items()} == {
        rev: set(down) for rev, down in alembic_revisions.items()
    }
