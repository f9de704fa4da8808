"""The discovery tables on a PostgreSQL case database (a team sharing one queue)."""

from __future__ import annotations

from pathlib import Path

import pytest

from privdesk.discovery.search import SearchQuery
from privdesk.services import discovery as svc
from privdesk.services.context import AppContext


@pytest.mark.postgres
def test_registry_and_map_on_postgresql_case_database(postgres_db: str, data_dir: Path,
                                                      company_sqlite: Path) -> None:
    ctx = AppContext.open(data_dir, postgres_db)
    try:
        svc.add_connection(ctx, "crm", f"sqlite:///{company_sqlite}", options={"statement_timeout_s": 10})
        info = svc.get_connection(ctx, "crm")
        assert info.options == {"statement_timeout_s": 10}
        svc.get_map(ctx, "crm")
        svc.set_column_kind(ctx, "crm", "orders", "note", "email")
        svc.set_table_excluded(ctx, "crm", "employees", True)
        cmap = svc.cached_map(ctx, "crm")
        assert cmap is not None and cmap.table("employees").excluded  # type: ignore[union-attr]
        r = svc.search(ctx, SearchQuery(emails=("aisha.khan@example.co.uk",)))
        assert {m.table for m in r.matches} >= {"customers", "orders"}
        assert not any(m.table == "employees" for m in r.matches)
        svc.remove_connection(ctx, "crm")
        assert svc.list_connections(ctx) == []
    finally:
        ctx.close()
