"""Many rows in one statement without SQLAlchemy's per-row parameter building.

``conn.execute(insert(table), rows)`` builds and type-converts a parameter set
per row in Python (several microseconds each); a batch of 1,000 reports inserts
about 7,000 rows. On SQLite, :func:`executemany` compiles the statement once per
shape, converts the values with the columns' own bind processors, and hands
plain tuples to the driver's ``executemany``. Other databases take the ordinary
path (same SQL, same conversions).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Insert, Table, Update, bindparam, insert
from sqlalchemy.exc import DBAPIError

_Proc = Callable[[Any], Any] | None
_Key = tuple[str, str, str, tuple[str, ...]]  # dialect, statement kind, table, columns
_compiled: dict[_Key, tuple[str, list[tuple[str, _Proc]]]] = {}


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """``INSERT`` the rows (dicts with the same keys: column names) in one statement."""
    if not rows:
        return
    cols = tuple(rows[0])
    if conn.dialect.paramstyle != "qmark":
        conn.execute(insert(table), list(rows))
        return
    _run(conn, ("insert", table.name, cols), lambda: insert(table).values(_binds(cols)), rows)


def executemany(
    conn: Connection,
    stmt: Insert | Update,
    rows: Sequence[dict[str, Any]],
    shape: tuple[str, ...],
) -> None:
    """Run ``stmt`` (bound parameters named as the rows' keys) once per row. ``shape``
    names the statement's form together with its table (the compiled-statement cache key)."""
    if not rows:
        return
    if conn.dialect.paramstyle != "qmark":
        conn.execute(stmt, list(rows))
        return
    table = str(getattr(stmt.table, "name", ""))
    _run(conn, (type(stmt).__name__, table, shape), lambda: stmt, rows)


def fetch(conn: Connection, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """The rows of a read (``?`` placeholders) on the transaction's own DBAPI cursor: no
    SQLAlchemy result object, which costs several times a small query itself. Plain
    column values, as the driver returns them; driver errors as SQLAlchemy's."""
    return _driver(conn, sql, tuple(params), many=False, rows=True)


def write(conn: Connection, sql: str, params: Sequence[Any] = ()) -> None:
    """A write (``?`` placeholders) on the transaction's DBAPI cursor: a list of tuples
    is run once per tuple (``executemany``). Driver errors as SQLAlchemy's (a duplicate
    key is an :class:`sqlalchemy.exc.IntegrityError`, which callers retry on)."""
    many = isinstance(params, list)
    _driver(conn, sql, params if many else tuple(params), many=many, rows=False)


def _driver(
    conn: Connection, sql: str, params: Any, *, many: bool, rows: bool
) -> list[tuple[Any, ...]]:
    if conn.dialect.paramstyle in ("format", "pyformat"):
        sql = sql.replace("?", "%s")
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None  # a connection inside a transaction
    error = conn.dialect.loaded_dbapi.Error
    cursor = dbapi.cursor()
    try:
        if many:
            cursor.executemany(sql, params)
        else:
            cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()] if rows else []
    except error as exc:
        raise DBAPIError.instance(sql, params, exc, error) from exc
    finally:
        cursor.close()


def select_in(
    conn: Connection, sql: str, values: Sequence[Any], chunk: int = 900
) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` (driver-level, with one ``{}`` where the ``IN`` list of
    placeholders goes) for all ``values``, ``chunk`` at a time. For plain columns (text,
    numbers): no SQLAlchemy type conversion, and no per-call statement expansion, which
    costs more than the query itself for a small batch."""
    out: list[tuple[Any, ...]] = []
    for i in range(0, len(values), chunk):
        part = tuple(values[i : i + chunk])
        out += fetch(conn, sql.format(",".join(["?"] * len(part))), part)
    return out


def _binds(cols: tuple[str, ...]) -> dict[str, Any]:
    return {c: bindparam(c) for c in cols}


def _run(
    conn: Connection,
    key: tuple[str, str, tuple[str, ...]],
    build: Callable[[], Insert | Update],
    rows: Sequence[dict[str, Any]],
) -> None:
    dialect = conn.dialect
    entry = _compiled.get((dialect.name, *key))
    if entry is None:  # compiled once per shape: building a statement costs as much
        compiled = build().compile(dialect=dialect)
        procs: list[tuple[str, _Proc]] = [
            (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
            for name in compiled.positiontup or []
        ]
        entry = _compiled[(dialect.name, *key)] = (str(compiled), procs)
    sql, order = entry
    get = itemgetter(*(n for n, _ in order))
    converts = [(i, _memo(p)) for i, (_, p) in enumerate(order) if p is not None]
    if len(order) == 1:
        params: list[Any] = [(get(r),) for r in rows]
    else:
        params = [get(r) for r in rows]
    if converts:
        for k, values in enumerate(params):
            values = list(values)
            for i, convert in converts:
                values[i] = convert(values[i])
            params[k] = tuple(values)
    write(conn, sql, params)


def _memo(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``convert`` remembering its answers for one statement: a batch's rows mostly share
    one timestamp, converted once instead of once per row."""
    seen: dict[Any, Any] = {}

    def cached(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            out = seen[value] = convert(value)
            return out
        except TypeError:  # unhashable (a JSON list): convert every time
            return convert(value)

    return cached
