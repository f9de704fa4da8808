"""Backups of a live SQLite case database with its documents and attachments, and restores."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import stat
import zipfile
from pathlib import Path

import pytest

from privdesk.cli import main
from privdesk.paths import resolve_paths
from privdesk.services import backup as svc
from privdesk.services.context import AppContext
from privdesk.services.settings import get_settings, set_setting


def _add_files(data_dir: Path) -> dict[str, bytes]:
    files = {"documents/DSR-2026-0001/ack.pdf": b"%PDF-1.4 letter", "attachments/7/id-card.png": b"\x89PNG id",
             "laws/acme-extra.toml": b"# the organisation's own rule file\n"}
    for name, content in files.items():
        path = data_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return files


def test_backup_of_a_live_database_while_another_connection_writes(ctx: AppContext, tmp_path: Path) -> None:
    set_setting(ctx, "org.name", "Acme Privacy BV")
    files = _add_files(ctx.paths.data_dir)
    assert ctx.paths.sqlite_path is not None
    # a second writer holds an open write transaction (the window in another process, say)
    writer = sqlite3.connect(ctx.paths.sqlite_path)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE settings SET value = 'Uncommitted Ltd' WHERE key = 'org.name'")
    try:
        result = svc.backup(ctx.paths, tmp_path / "out" / "b.zip")
    finally:
        writer.rollback()
        writer.close()
    assert stat.S_IMODE(result.archive.stat().st_mode) == 0o600
    assert result.sha256 == hashlib.sha256(result.archive.read_bytes()).hexdigest()
    with zipfile.ZipFile(result.archive) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert set(manifest["files"]) == {"privdesk.sqlite3", *files}
        for name, entry in manifest["files"].items():
            assert hashlib.sha256(zf.read(name)).hexdigest() == entry["sha256"]
        for name, content in files.items():
            assert zf.read(name) == content
    assert manifest["schema"] and manifest["version"]
    # restored elsewhere: the committed name, not the uncommitted one
    other = resolve_paths(tmp_path / "restored")
    restored = svc.restore(other, result.archive)
    assert restored.kept is None and restored.files == len(files) + 1
    back = AppContext.open(other.data_dir)
    try:
        assert get_settings(back)["org.name"] == "Acme Privacy BV"
    finally:
        back.close()
    for name, content in files.items():
        assert (other.data_dir / name).read_bytes() == content


def test_restore_refuses_existing_data_without_replace_and_keeps_it_with_replace(ctx: AppContext, tmp_path: Path) -> None:
    set_setting(ctx, "org.name", "Before Backup Ltd")
    _add_files(ctx.paths.data_dir)
    archive = svc.backup(ctx.paths, tmp_path / "b.zip").archive
    set_setting(ctx, "org.name", "After Backup Ltd")
    (ctx.paths.data_dir / "documents" / "DSR-2026-0001" / "later.pdf").write_bytes(b"later")

    with pytest.raises(svc.BackupError, match="already holds case data"):
        svc.restore(ctx.paths, archive)
    assert get_settings(ctx)["org.name"] == "After Backup Ltd"

    result = svc.restore(ctx.paths, archive, replace=True)
    # the window's own engine sees the restored data (written into the same file)
    assert get_settings(ctx)["org.name"] == "Before Backup Ltd"
    assert not (ctx.paths.data_dir / "documents" / "DSR-2026-0001" / "later.pdf").exists()
    assert result.kept is not None and result.kept.parent == ctx.paths.backups_dir
    assert (result.kept / "documents" / "DSR-2026-0001" / "later.pdf").read_bytes() == b"later"
    with sqlite3.connect(result.kept / "privdesk.sqlite3") as kept_db:
        row = kept_db.execute("SELECT value FROM settings WHERE key = 'org.name'").fetchone()
    assert row == ("After Backup Ltd",)


def _rewrite(archive: Path, out: Path, change: dict[str, bytes], keep_manifest: bool = True) -> Path:
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, change.pop(info.filename, src.read(info.filename)))
        for name, content in change.items():
            dst.writestr(name, content)
    return out


def test_a_damaged_or_foreign_archive_is_refused_and_nothing_changes(ctx: AppContext, tmp_path: Path) -> None:
    _add_files(ctx.paths.data_dir)
    archive = svc.backup(ctx.paths, tmp_path / "b.zip").archive
    target = resolve_paths(tmp_path / "target")

    tampered = _rewrite(archive, tmp_path / "t.zip", {"documents/DSR-2026-0001/ack.pdf": b"%PDF forged"})
    with pytest.raises(svc.BackupError, match=r"ack\.pdf does not match its SHA-256"):
        svc.restore(target, tampered)
    assert not svc.holds_case_data(target)
    assert not (target.data_dir / "documents").exists()

    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    manifest["files"]["../escape.txt"] = {"sha256": hashlib.sha256(b"x").hexdigest(), "size": 1}
    escaping = _rewrite(archive, tmp_path / "e.zip",
                        {"manifest.json": json.dumps(manifest).encode(), "../escape.txt": b"x"})
    with pytest.raises(svc.BackupError, match="outside the data folders"):
        svc.restore(target, escaping)
    assert not (tmp_path / "escape.txt").exists()

    (tmp_path / "not.zip").write_bytes(b"plain text")
    with pytest.raises(svc.BackupError, match="not a readable backup archive"):
        svc.check(tmp_path / "not.zip")
    assert svc.check(archive).files == 4


def test_postgresql_case_database_gets_the_pg_dump_line(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path, "postgresql://privdesk:s3cret@db.internal:5433/cases")
    with pytest.raises(svc.BackupError) as exc:
        svc.backup(paths, tmp_path / "cases.dump")
    assert "pg_dump --format=custom" in exc.value.message
    assert "postgresql://privdesk@db.internal:5433/cases" in exc.value.message
    assert "s3cret" not in exc.value.message
    assert not (tmp_path / "cases.dump").exists()


def test_cli_backup_and_restore(capsys: pytest.CaptureFixture[str], ctx: AppContext, tmp_path: Path) -> None:
    d = str(ctx.paths.data_dir)
    set_setting(ctx, "org.name", "Cli Ltd")
    out = tmp_path / "cli.zip"
    assert main(["--data-dir", d, "backup", "-o", str(out), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()

    assert main(["--data-dir", d, "restore", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--replace" in err

    assert main(["--data-dir", d, "restore", str(out), "--check"]) == 0
    assert "intact" in capsys.readouterr().out
    assert main(["--data-dir", d, "restore", str(out), "--replace"]) == 0
    said = capsys.readouterr().out
    assert "kept in" in said and "the retention run deletes it once it is over 30 days old" in said

    code = main(["--db-url", "postgresql://pd@db.internal/privdesk", "backup", "-o", str(tmp_path / "x.zip")])
    assert code == 2
    assert "pg_dump" in capsys.readouterr().err


# -- the key of erasure's masking hashes travels with the case data ---------------------------------

def _masked(ctx: AppContext, value: str) -> str | int:
    """``value`` hashed as an erasure plan masks it, with this installation's key."""
    from privdesk.domain.erasure import keyed_hash
    from privdesk.services.erasure import _hash_key

    return keyed_hash(value, _hash_key(ctx))


def test_the_masking_key_is_backed_up_and_restored_so_masks_match(ctx: AppContext, tmp_path: Path,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    before = _masked(ctx, "zoe@example.com")  # creates the key, as the first erasure plan does
    key = ctx.paths.erasure_key_file.read_bytes()
    result = svc.backup(ctx.paths, tmp_path / "b.zip")
    with zipfile.ZipFile(result.archive) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert zf.read("erasure-hash.key") == key
    assert manifest["files"]["erasure-hash.key"]["sha256"] == hashlib.sha256(key).hexdigest()

    other = resolve_paths(tmp_path / "elsewhere")  # another machine: a fresh data folder, no key
    restored = svc.restore(other, result.archive)
    assert restored.files == 2
    assert stat.S_IMODE(other.erasure_key_file.stat().st_mode) == 0o600
    assert not list(other.data_dir.glob(".erasure-hash.key.*"))  # written atomically: no leftovers
    back = AppContext.open(other.data_dir)
    try:
        assert _masked(back, "zoe@example.com") == before
        assert _masked(back, "someone-else@example.com") == _masked(ctx, "someone-else@example.com")
    finally:
        back.close()
    assert key.hex() not in caplog.text and repr(key) not in caplog.text


def test_restoring_replaces_the_key_and_keeps_the_one_it_replaced(ctx: AppContext, tmp_path: Path) -> None:
    _masked(ctx, "x")
    archive = svc.backup(ctx.paths, tmp_path / "b.zip").archive
    other = resolve_paths(tmp_path / "elsewhere")
    other.ensure()
    other.erasure_key_file.write_bytes(b"this machine's own key, 32 bytes")
    with pytest.raises(svc.BackupError, match="already holds case data"):  # a key alone is worth keeping
        svc.restore(other, archive)
    result = svc.restore(other, archive, replace=True)
    assert other.erasure_key_file.read_bytes() == ctx.paths.erasure_key_file.read_bytes()
    assert result.kept is not None
    assert (result.kept / "erasure-hash.key").read_bytes() == b"this machine's own key, 32 bytes"
    assert stat.S_IMODE((result.kept / "erasure-hash.key").stat().st_mode) == 0o600


def test_an_older_archive_without_the_key_restores_and_leaves_the_key_alone(ctx: AppContext, tmp_path: Path) -> None:
    set_setting(ctx, "org.name", "Older Archive Ltd")
    _masked(ctx, "x")
    made = svc.backup(ctx.paths, tmp_path / "b.zip").archive
    # as an older PrivDesk wrote it: no key member, none in the manifest
    with zipfile.ZipFile(made) as src, zipfile.ZipFile(tmp_path / "old.zip", "w") as dst:
        manifest = json.loads(src.read("manifest.json"))
        del manifest["files"]["erasure-hash.key"]
        for info in src.infolist():
            if info.filename == "manifest.json":
                dst.writestr(info.filename, json.dumps(manifest))
            elif info.filename != "erasure-hash.key":
                dst.writestr(info.filename, src.read(info.filename))
    old = tmp_path / "old.zip"
    assert svc.check(old).files == 1

    fresh = resolve_paths(tmp_path / "fresh")
    assert svc.restore(fresh, old).files == 1
    assert not fresh.erasure_key_file.exists()
    back = AppContext.open(fresh.data_dir)
    try:
        assert get_settings(back)["org.name"] == "Older Archive Ltd"
    finally:
        back.close()

    own = ctx.paths.erasure_key_file.read_bytes()
    svc.restore(ctx.paths, old, replace=True)  # over an installation with its own key: it stays in use
    assert ctx.paths.erasure_key_file.read_bytes() == own
