"""Plain statements for hot write paths (every claim assessment, every audit entry).

The ORM's SQL compiler costs more than the statements themselves there: an INSERT of one row or an UPDATE of a
few columns spends most of its Python time building the same SQL again. These helpers write each statement once
per process (per model and column set) and still pass every value through the field's own `pre_save` and
`get_db_prep_save`, so rows are stored exactly as `Model.objects.create()` / `QuerySet.update()` would store them
(JSON, decimals, dates, time zones). They send no model signals: use them only for models nothing listens to.
"""

import functools
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import connection, models


@functools.cache
def _insert_statement(model: type[models.Model], vendor: str) -> tuple[str, tuple, bool]:
    meta = model._meta
    fields = tuple(f for f in meta.concrete_fields if not (f.primary_key and isinstance(f, models.AutoField)))
    returning = connection.features.can_return_columns_from_insert and meta.pk in meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    if returning:
        sql += f" RETURNING {connection.ops.quote_name(meta.pk.column)}"
    return sql, fields, returning


def row_insert(instance: models.Model) -> models.Model:
    """Saves a new, unsaved `instance` with one INSERT (defaults and `auto_now_add` applied as on `save()`) and
    sets its primary key where the backend returns it (PostgreSQL and SQLite ≥ 3.35 do)."""
    sql, fields, returning = _insert_statement(type(instance), connection.vendor)
    params = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if returning:
            instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance


# Bound parameters per statement: within every backend's limit (old SQLite builds allow 999).
_PARAMETERS_PER_STATEMENT = 900


def _plain(value):
    if isinstance(value, Decimal):
        return connection.ops.adapt_decimalfield_value(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    return value


def rows_insert(model: type[models.Model], columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Many rows of `model` with multi-row INSERTs, each row's values in `columns` order (column names; values
    already what the column stores: plain numbers, text, dates, aware datetimes, decimals). For bulk imports,
    where the ORM's per-field preparation would cost as much as reading the file; no defaults are applied and
    no keys returned. A unique constraint still refuses a row (IntegrityError, for the caller)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    per_statement = max(1, _PARAMETERS_PER_STATEMENT // len(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            cursor.execute(
                f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES {', '.join([row_sql] * len(chunk))}",  # noqa: S608
                [_plain(v) for row in chunk for v in row],
            )


def rows_update_by_key(model: type[models.Model], columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Sets different values on many rows of `model`: each row is (primary key, *values in `columns` order, column
    names; values already what the column stores, None for NULL). One UPDATE … FROM (VALUES …) per few hundred
    rows (PostgreSQL, and SQLite ≥ 3.33), where `bulk_update`'s CASE WHEN per row and column costs more Python
    than the statement costs the database. No `auto_now`, no signals."""
    if not rows:
        return
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in columns]
    # VALUES names its columns column1, column2 … on both backends; a cast gives a column of NULLs its type.
    assignments = ", ".join(f"{quote(f.column)} = CAST(v.column{n} AS {f.cast_db_type(connection)})"
                            for n, f in enumerate(fields, start=2))
    row_sql = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
    per_statement = max(1, _PARAMETERS_PER_STATEMENT // (len(columns) + 1))
    table, key = quote(meta.db_table), quote(meta.pk.column)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join([row_sql] * len(chunk))}) AS v "  # noqa: S608
                f"WHERE {table}.{key} = v.column1",
                [_plain(v) for row in chunk for v in row],
            )


@functools.cache
def _update_statement(model: type[models.Model], vendor: str, set_names: tuple, where_names: tuple,
                      increment: str | None) -> tuple[str, tuple, tuple]:
    meta = model._meta
    quote = connection.ops.quote_name
    set_fields = tuple(meta.get_field(name) for name in set_names)  # names or attnames
    where_fields = tuple(meta.get_field(name) for name in where_names)
    assignments = [f"{quote(f.column)} = %s" for f in set_fields]
    if increment:
        column = quote(meta.get_field(increment).column)
        assignments.append(f"{column} = {column} + 1")
    conditions = " AND ".join(f"{quote(f.column)} = %s" for f in where_fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {', '.join(assignments)} WHERE {conditions}"  # noqa: S608
    return sql, set_fields, where_fields


def rows_update(model: type[models.Model], *, where: dict, values: dict, increment: str | None = None) -> int:
    """`model.objects.filter(**where).update(**values, increment=F(increment) + 1)` for equality conditions,
    as one statement written once per column set. Returns the number of rows changed (a conditional UPDATE
    that matched nothing returns 0)."""
    sql, set_fields, where_fields = _update_statement(model, connection.vendor, tuple(values), tuple(where),
                                                      increment)
    params = []
    for field in set_fields:
        value = values[field.name]
        if hasattr(value, "prepare_database_save"):  # a model instance for a foreign key: its key, as the ORM does
            value = value.prepare_database_save(field)
        params.append(field.get_db_prep_save(value, connection))
    params += [f.get_db_prep_value(where[f.name], connection) for f in where_fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# --- prepared statements (PostgreSQL) --------------------------------------------------------------------------

PREPARED_PER_CONNECTION = 64  # distinct statement texts kept prepared on one connection; more run unprepared


def _numbered(sql: str) -> str:
    """psycopg2's %s placeholders as PostgreSQL's $1, $2 …, which PREPARE needs. The statements given here are
    our own fixed texts with no other % sign (checked)."""
    pieces = sql.split("%s")
    if any("%" in piece for piece in pieces):
        raise ValueError("A statement to prepare may hold no % sign other than its %s placeholders.")
    return "".join(piece + (f"${n}" if n < len(pieces) else "") for n, piece in enumerate(pieces, start=1))


def execute_prepared(cursor, sql: str, params: list | tuple = ()) -> None:
    """Runs one of our fixed hand-written statements. On PostgreSQL (unless DATABASE_PREPARED_STATEMENTS is off)
    it is prepared once per connection and then executed by name: PostgreSQL plans it once instead of on every
    call. The claim lock joins seven tables, and planning that join cost more than running it.

    Prepared statements belong to the server session: they outlive ROLLBACK but not a new connection, so they are
    remembered against the driver's connection object, and a reconnect prepares again. A pooler that hands one
    client several server sessions (PgBouncer in transaction mode) loses them: turn the setting off there."""
    database = cursor.db  # the cursor's own connection (any alias)
    if database.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
        cursor.execute(sql, params)
        return
    raw = database.connection
    known = getattr(database, "_portal_prepared", None)
    if known is None or known[0] is not raw:
        known = (raw, {})
        database._portal_prepared = known
    names = known[1]
    name = names.get(sql)
    if name is None:
        if len(names) >= PREPARED_PER_CONNECTION:
            cursor.execute(sql, params)
            return
        name = f"portal_stmt_{len(names) + 1}"
        cursor.execute(f"PREPARE {name} AS {_numbered(sql)}")
        names[sql] = name
    if params:
        cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", params)
    else:
        cursor.execute(f"EXECUTE {name}")
