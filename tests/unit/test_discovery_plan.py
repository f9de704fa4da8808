"""The planner: bound values, quoted identifiers, dialect-specific digit expressions."""

from __future__ import annotations

from sqlalchemy.dialects import mysql, postgresql, sqlite

from privdesk.discovery import classify as c
from privdesk.discovery.introspect import (
    ColumnInfo,
    ColumnKind,
    SchemaInfo,
    TableInfo,
    TableMap,
    build_map,
)
from privdesk.discovery.search import (
    SearchQuery,
    _name_needles,
    digits_only,
    fold_variants,
    jsonable,
    matched_columns,
    name_variants,
    plan_table,
    prepare,
    sa_table,
)
from privdesk.domain.identifiers import phone_search_keys

HOSTILE_TABLE = 'cust"omers; DROP TABLE x; --'
HOSTILE_EMAIL = "e-mail 'address'"


def _table() -> TableInfo:
    return TableInfo(HOSTILE_TABLE, (
        ColumnInfo("id", "INTEGER", "integer"),
        ColumnInfo(HOSTILE_EMAIL, "TEXT", "text"),
        ColumnInfo("select", "TEXT", "text"),
        ColumnInfo("first_name", "TEXT", "text"),
        ColumnInfo("last_name", "TEXT", "text"),
        ColumnInfo("customer_id", "INTEGER", "integer"),
    ), primary_key=("id",))


def _map(info: TableInfo) -> TableMap:
    m = build_map("x", SchemaInfo("sqlite", (info,)), {(info.name, "select"): c.PHONE}, set())
    return m.tables[0]


def test_values_are_bound_and_identifiers_quoted() -> None:
    info = _table()
    tmap = _map(info)
    assert tmap.kinds()[HOSTILE_EMAIL] == c.EMAIL
    q = SearchQuery(emails=("' OR 1=1 --",), phones=("+44 20 7946 0958",), names=("Zoë Ødegård",),
                    customer_ids=("42", "C-1"))
    for dialect in (sqlite.dialect(), postgresql.dialect(), mysql.dialect()):
        stmt = plan_table(info, tmap, prepare(q), dialect.name, 10)
        assert stmt is not None
        sql = str(stmt.compile(dialect=dialect))
        assert "OR 1=1" not in sql and "7946" not in sql and "Ødegård".lower() not in sql.lower()
        quote = "`" if dialect.name == "mysql" else '"'
        assert f"{quote}select{quote}" in sql
        if dialect.name == "mysql":
            assert "`cust\"omers; DROP TABLE x; --`" in sql
        else:
            assert '"cust""omers; DROP TABLE x; --"' in sql
        params = stmt.compile(dialect=dialect).params
        assert 42 in [v for p in params.values() if isinstance(p, list) for v in p]


def test_integer_id_columns_only_get_numeric_ids() -> None:
    info = _table()
    stmt = plan_table(info, _map(info), prepare(SearchQuery(customer_ids=("C-1",))), "sqlite", 10)
    assert stmt is None  # no text id column and C-1 is not a number


def test_excluded_table_is_not_planned() -> None:
    info = _table()
    m = build_map("x", SchemaInfo("sqlite", (info,)), {}, {info.name}).tables[0]
    assert plan_table(info, m, prepare(SearchQuery(emails=("a@b.example",))), "sqlite", 10) is None


def test_digits_expression_per_dialect() -> None:
    col = sa_table(_table()).c["select"]
    assert "regexp_replace" in str(digits_only(col, "postgresql").compile(dialect=postgresql.dialect()))
    assert "'g'" in str(digits_only(col, "postgresql").compile(dialect=postgresql.dialect()))
    assert "regexp_replace" in str(digits_only(col, "mysql").compile(dialect=mysql.dialect())).lower()
    assert str(digits_only(col, "sqlite").compile(dialect=sqlite.dialect())).count("replace(") == 8


def test_fold_variants_cover_sqlite_ascii_lower() -> None:
    v = fold_variants("ZOË Ødegård")
    assert "zoë ødegård" in v  # Unicode lower (PostgreSQL, MySQL)
    assert "zoË ØdegÅrd" in v  # SQLite lower() of the upper-case spelling
    assert "zoë Ødegård" in v  # SQLite lower() of the title-case spelling


def test_name_variants_cover_stored_spellings_and_few_prefilter_needles() -> None:
    v = name_variants("Ayşe Yılmaz")
    # SQLite's lower() of AYŞE YILMAZ, Ayşe Yilmaz, Ayşe Yılmaz; Python's of İ
    assert {"ayŞe yilmaz", "ayşe yilmaz", "ayşe yılmaz", "ayşe yi\u0307lmaz"} <= set(v)
    assert "ＡＹＳＥ ＹＩＬＭＡＺ" not in v  # full-width forms only for a name in ASCII letters
    assert "ＹＩＬＭＡＺ" in name_variants("yilmaz")
    assert "aye yilmaz" not in v and len(v) < 60
    assert _name_needles(v) == ["lmaz"]  # one LIKE on SQLite, whatever the spellings
    assert _name_needles(name_variants("Zoë Ødegård")) == ["deg"]


def test_phone_keys_cover_stored_formats() -> None:
    keys = phone_search_keys("+44 20 7946 0958")
    for stored in ("+44 20 7946 0958", "(020) 7946-0958", "442079460958", "0044 20 7946 0958", "+44 (0)20 7946 0958"):
        assert "".join(ch for ch in stored if ch.isdigit()) in keys, stored
    assert phone_search_keys("(020) 7946-0958", "GB") >= {"442079460958", "02079460958"}


def test_matched_columns_and_hostile_values() -> None:
    info = _table()
    tmap = _map(info)
    p = prepare(SearchQuery(emails=(" Zoe@Example.COM ", "%", "x\x00y"), names=("zoë ødegård",),
                            customer_ids=("7",)))
    assert "%" in p.emails and not any("\x00" in e for e in p.emails)
    row = {"id": 1, HOSTILE_EMAIL: "zoe@example.com", "select": None, "first_name": "Zoë",
           "last_name": "ØDEGÅRD", "customer_id": 7}
    assert matched_columns(row, tmap, p) == [HOSTILE_EMAIL, "customer_id", "first_name", "last_name"]
    row2 = dict(row, **{HOSTILE_EMAIL: "anything@example.com", "first_name": "x", "customer_id": 8})
    assert matched_columns(row2, tmap, p) == []


def test_jsonable() -> None:
    from datetime import date, datetime
    from decimal import Decimal

    assert jsonable(Decimal("1.50")) == "1.50"
    assert jsonable(date(2026, 1, 2)) == "2026-01-02"
    assert jsonable(datetime(2026, 1, 2, 3, 4)) == "2026-01-02T03:04:00"
    assert jsonable(b"\x01\xff") == "01ff"
    assert jsonable(float("nan")) == "nan"
    assert jsonable(3) == 3 and jsonable(None) is None


def test_column_kind_dataclass_is_plain() -> None:
    ck = ColumnKind("a", "TEXT", c.EMAIL, "name", False, False)
    assert ck.kind == c.EMAIL


def test_prefilters_are_case_blind_and_skip_what_they_cannot_shape() -> None:
    from privdesk.discovery.search import _shape, text_prefilter

    assert _shape("James.Carter42@Example.com") == "_____.______42@_______.___"
    assert _shape("zoë@example.com") is None and _shape("50%") is None
    col = sa_table(_table()).c["select"]
    pre = text_prefilter(col, ["a.b1@x.example", "A.B1@X.EXAMPLE"], "postgresql")
    assert pre is not None
    sql = pre.compile(dialect=postgresql.dialect())
    assert list(sql.params.values()) == ["%_._1@_._______%"]  # one shape for every case variant
    assert text_prefilter(col, ["zoë@example.com"], "postgresql") is None
    sqlite_pre = text_prefilter(col, ["50%_off"], "sqlite")
    assert sqlite_pre is not None and "ESCAPE" in str(sqlite_pre.compile(dialect=sqlite.dialect()))
