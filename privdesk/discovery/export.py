"""Search snapshots and the portability export (GDPR Art. 20: structured, commonly used,
machine-readable): a JSON file nested by connection and table, or a ZIP of CSV files, each with
a manifest (reference, generated at, sources, row counts, SHA-256 of every file).

A :class:`SearchSnapshot` is plain data, so it can be stored on a request (``snapshot_to_dict``)
and exported later (``snapshot_to_json_file`` / ``snapshot_to_csv_zip``). Files are written to a
temporary file beside the target and moved into place (``os.replace``) with owner-only
permissions, so a crash never leaves half an export.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from privdesk.discovery import ownership
from privdesk.discovery.search import Excluded, Match, SearchError, SearchResult, Via
from privdesk.domain.spreadsheet import is_formula, neutralise
from privdesk.files import atomic_write

FORMAT = "privdesk-portability/1"


@dataclass(frozen=True)
class SearchSnapshot:
    """What a search found, frozen at a moment: the rows, the identifiers used, the sources."""

    taken_at: str  # ISO 8601, UTC
    identifiers: Mapping[str, list[str]]
    connections: tuple[str, ...]
    matches: tuple[Match, ...]
    errors: tuple[SearchError, ...] = ()
    truncated: tuple[tuple[str, str], ...] = ()
    elapsed_s: float = 0.0
    depth: int = 2
    sources: Mapping[str, str] = field(default_factory=dict)  # connection -> dialect
    #: rows left out and why: other people's, candidates not included, rows the officer excluded
    excluded: tuple[Excluded, ...] = ()

    @property
    def row_count(self) -> int:
        return len(self.disclosed())

    def disclosed(self) -> list[Match]:
        """The subject's rows (and candidates the officer included when attaching): the rule of
        :func:`ownership.disclosed`, so the appendix and the portability file hold the same rows."""
        return ownership.disclosed(self.matches, include_candidates=True)

    def context(self) -> list[Match]:
        """Catalogue rows the subject's rows refer to: shown for reading, not the subject's data."""
        return [m for m in self.matches if m.role == ownership.CONTEXT]

    def tables(self) -> dict[str, dict[str, list[Match]]]:
        """The disclosed rows grouped by connection, then table (in the order found), each table's
        rows in key order: the appendix and the portability file list payments 1, 5, 11, not in
        the order the links reached them."""
        out: dict[str, dict[str, list[Match]]] = {}
        for m in self.disclosed():
            out.setdefault(m.connection, {}).setdefault(m.table, []).append(m)
        for tables in out.values():
            for rows in tables.values():
                rows.sort(key=_key_order)
        return out


def _key_order(m: Match) -> tuple[tuple[int, Any], ...]:
    """A row's key columns, numbers by value before text, comparable whatever the column types."""
    return tuple((0, v) if isinstance(v, (int, float)) and not isinstance(v, bool) else (1, str(v))
                 for v in m.key.values())


def match_id(m: Match) -> tuple[str, str, str]:
    """A row's identity across a result and its snapshot: connection, table, key."""
    return (m.connection, m.table, repr(sorted(m.key.items())))


def attach_plan(result: SearchResult, include_candidates: bool = False,
                dropped: frozenset[tuple[str, str, str]] = frozenset()) -> tuple[list[Match], list[Excluded]]:
    """What attaching a result keeps and what it leaves out, with reasons (the preview shows it).

    Kept: the subject's rows and context rows, plus candidates when ``include_candidates``;
    ``dropped`` (:func:`match_id` values) are rows the officer excluded by hand.
    """
    kept: list[Match] = []
    left: dict[tuple[str, str, str], int] = {}
    for m in result.matches:
        if m.role == ownership.CANDIDATE and (not include_candidates or match_id(m) in dropped):
            key = (m.connection, m.table, "are candidates the officer did not include")
        elif match_id(m) in dropped:
            key = (m.connection, m.table, "were excluded by the officer")
        else:
            kept.append(m)
            continue
        left[key] = left.get(key, 0) + 1
    extra = [Excluded(c, t, n, r) for (c, t, r), n in left.items()]
    return kept, [*result.excluded, *extra]


def snapshot_from_result(result: SearchResult, depth: int = 2, sources: Mapping[str, str] | None = None,
                         taken_at: datetime | None = None, include_candidates: bool = False,
                         dropped: frozenset[tuple[str, str, str]] = frozenset()) -> SearchSnapshot:
    """Freeze a result for a request: only what :func:`attach_plan` keeps, the rest recorded in
    ``excluded`` with its reason."""
    when = (taken_at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    kept, excluded = attach_plan(result, include_candidates, dropped)
    return SearchSnapshot(
        taken_at=when, identifiers=result.query.to_dict(), connections=result.connections,
        matches=tuple(kept), errors=result.errors,
        truncated=tuple((t.connection, t.table) for t in result.tables if t.more),
        elapsed_s=result.elapsed_s, depth=depth, sources=dict(sources or {}), excluded=tuple(excluded))


def snapshot_to_dict(s: SearchSnapshot) -> dict[str, Any]:
    """JSON-ready form, for storing a snapshot on a request (values are already JSON-safe)."""
    return {
        "taken_at": s.taken_at, "identifiers": {k: list(v) for k, v in s.identifiers.items()},
        "connections": list(s.connections), "depth": s.depth, "elapsed_s": round(s.elapsed_s, 4),
        "sources": dict(s.sources),
        "matches": [{**m.to_json(), "depth": m.depth} for m in s.matches],
        "errors": [{"connection": e.connection, "message": e.message} for e in s.errors],
        "truncated": [{"connection": c, "table": t} for c, t in s.truncated],
        "excluded": [x.to_json() for x in s.excluded],
    }


def snapshot_from_dict(d: Mapping[str, Any]) -> SearchSnapshot:
    matches = tuple(
        Match(m["connection"], m["table"], dict(m["key"]), dict(m["row"]), tuple(m["matched_on"]),
              None if m.get("via") is None else Via(m["via"]["table"], dict(m["via"]["key"])),
              int(m.get("depth", 0)), str(m.get("role", ownership.SUBJECT)), str(m.get("reason", "")),
              str(m.get("owner", "")))
        for m in d.get("matches", []))
    return SearchSnapshot(
        taken_at=str(d["taken_at"]), identifiers={k: list(v) for k, v in d.get("identifiers", {}).items()},
        connections=tuple(d.get("connections", ())), matches=matches,
        errors=tuple(SearchError(e["connection"], e["message"]) for e in d.get("errors", [])),
        truncated=tuple((t["connection"], t["table"]) for t in d.get("truncated", [])),
        elapsed_s=float(d.get("elapsed_s", 0.0)), depth=int(d.get("depth", 2)),
        sources=dict(d.get("sources", {})),
        excluded=tuple(Excluded(x["connection"], x["table"], int(x["rows"]), x["reason"])
                       for x in d.get("excluded", [])))


@dataclass(frozen=True)
class ExportInfo:
    path: Path
    sha256: str  # of the file written
    rows: int
    manifest: dict[str, Any]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_json(obj: Any) -> bytes:
    """The byte form the manifest's hash of the JSON data member is computed over."""
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _manifest(s: SearchSnapshot, reference: str, files: dict[str, str], generated_at: str) -> dict[str, Any]:
    grouped = s.tables()
    return {
        "format": FORMAT,
        "reference": reference,
        "generated_at": generated_at,
        "snapshot_taken_at": s.taken_at,
        "sources": [{"connection": c, "dialect": s.sources.get(c, ""), "tables": sorted(grouped.get(c, {}))}
                    for c in s.connections or tuple(grouped)],
        "row_counts": {c: {t: len(rows) for t, rows in tables.items()} for c, tables in grouped.items()},
        "rows_total": s.row_count,
        "excluded": [{**x.to_json(), "sentence": x.sentence} for x in s.excluded],
        "context_rows": len(s.context()),
        "incomplete": [{"connection": c, "table": t, "reason": "row cap reached"} for c, t in s.truncated]
        + [{"connection": e.connection, "reason": e.message} for e in s.errors],
        "sha256": files,
    }


def _write_atomically(path: Path, write: Callable[[IO[bytes]], object]) -> str:
    """Write through ``write(fileobj)`` to a temp file beside ``path``, 0600, then os.replace.

    Returns the SHA-256 of the bytes written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, write)


def snapshot_to_json_file(snapshot: SearchSnapshot, reference: str, path: Path | str,
                          generated_at: datetime | None = None) -> ExportInfo:
    """One JSON file: ``{"manifest": {...}, "data": {connection: {table: [row, ...]}}}``.

    The manifest's ``sha256.data`` is the hash of :func:`canonical_json` of ``data``, so a reader
    can verify the content independent of indentation.
    """
    when = (generated_at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    data = {c: {t: [m.row for m in rows] for t, rows in tables.items()} for c, tables in snapshot.tables().items()}
    manifest = _manifest(snapshot, reference, {"data": _sha256(canonical_json(data))}, when)
    body = json.dumps({"manifest": manifest, "data": data}, indent=2, ensure_ascii=False).encode("utf-8")
    digest = _write_atomically(Path(path), lambda fh: fh.write(body))
    return ExportInfo(Path(path), digest, snapshot.row_count, manifest)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _safe(name: str) -> str:
    cleaned = _UNSAFE.sub("_", name).strip("._") or "unnamed"
    return cleaned[:80]


def _csv_bytes(rows: list[dict[str, Any]], neutralised: list[dict[str, Any]] | None = None,
               file: str = "") -> bytes:
    """One table as CSV; text cells a spreadsheet would run get a leading apostrophe and are
    listed in ``neutralised`` (row 1 is the first data row) so the subject knows."""
    columns: list[str] = []
    for r in rows:
        columns.extend(c for c in r if c not in columns)
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([neutralise(c) for c in columns])
    for i, r in enumerate(rows, start=1):
        cells = []
        for c in columns:
            value = r.get(c)
            if isinstance(value, str) and is_formula(value):
                value = neutralise(value)
                if neutralised is not None:
                    neutralised.append({"file": file, "row": i, "column": c})
            cells.append("" if value is None else value)
        w.writerow(cells)
    return buf.getvalue().encode("utf-8-sig")  # the BOM lets spreadsheet programs read UTF-8


def snapshot_to_csv_zip(snapshot: SearchSnapshot, reference: str, path: Path | str,
                        generated_at: datetime | None = None) -> ExportInfo:
    """A ZIP with one CSV per connection and table (``<connection>/<table>.csv``) and
    ``manifest.json`` listing the SHA-256 of every CSV and the cells neutralised against CSV
    injection (see :mod:`privdesk.domain.spreadsheet`)."""
    when = (generated_at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    files: dict[str, bytes] = {}
    neutralised: list[dict[str, Any]] = []
    for conn, tables in snapshot.tables().items():
        for table, rows in tables.items():
            name = f"{_safe(conn)}/{_safe(table)}.csv"
            n = 2
            while name in files:
                name = f"{_safe(conn)}/{_safe(table)}-{n}.csv"
                n += 1
            files[name] = _csv_bytes([m.row for m in rows], neutralised, name)
    manifest = _manifest(snapshot, reference, {n: _sha256(b) for n, b in files.items()}, when)
    manifest["neutralised"] = {
        "rule": "text cells starting with = + - @, a tab or a carriage return got a leading apostrophe "
                "so that spreadsheets show them instead of running them (CSV injection); the JSON "
                "export holds the exact values",
        "cells": neutralised,
    }
    manifest["files"] = {n: {"connection": c, "table": t}
                         for n, (c, t) in zip(files, [(c, t) for c, ts in snapshot.tables().items() for t in ts],
                                              strict=True)}
    mbytes = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")

    def write(fh: IO[bytes]) -> None:
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.writestr("manifest.json", mbytes)
            for n, b in files.items():
                z.writestr(n, b)

    digest = _write_atomically(Path(path), write)
    return ExportInfo(Path(path), digest, snapshot.row_count, manifest)
