"""Sorted, keyset-paginated listing shared by every resource.

Upstream semantics: any column of the table is a sort key; ``created_at``
and ``id`` are appended as tie-breakers with the first direction; the page
starts after the marker row (looked up by its integer id among live rows).
NULL sorts as the smallest value on every backend, so pages never skip or
repeat rows whatever the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, Integer, Select, and_, bindparam, false, or_, select
from sqlalchemy.orm import Session

from masakari_lite.db import errors

Reader = Session | Connection
"""What read-only query functions accept: the API reads on plain Connections."""

# Integer primary keys are 32-bit on MySQL; a larger marker can match nothing
# and must not reach the database as an out-of-range literal.
_MAX_ID = 2**31 - 1


@dataclass
class ListParams:
    limit: int
    marker: str | None = None
    sort_keys: list[str] = field(default_factory=lambda: ["created_at"])
    sort_dirs: list[str] = field(default_factory=lambda: ["desc"])


def sort_columns(model) -> frozenset[str]:
    return frozenset(model.__table__.columns.keys())


def _resolve_sort(model, params: ListParams) -> list[tuple[str, str]]:
    keys = list(params.sort_keys)
    dirs = list(params.sort_dirs)
    if len(dirs) > len(keys):
        raise errors.invalid_input("Sort direction size exceeds sort key size")
    for d in dirs:
        if d not in ("asc", "desc"):
            raise errors.invalid_input("Unknown sort direction, must be 'asc' or 'desc'")
    valid = _SORTABLE.get(model)
    if valid is None:
        valid = _SORTABLE[model] = sort_columns(model) - _UNSORTABLE
    for key in keys:
        if key not in valid:
            raise errors.BadRequest("Sort key supplied was not valid.")
    first = dirs[0] if dirs else "desc"
    dirs += [first] * (len(keys) - len(dirs))
    for tie in ("created_at", "id"):
        if tie not in keys:
            keys.append(tie)
            dirs.append(first)
    return list(zip(keys, dirs, strict=True))


# Internal claim bookkeeping is not part of the public row.
_UNSORTABLE = frozenset({"owner", "lease_until", "attempt", "next_attempt_at"})
_SORTABLE: dict = {}


_MARKER: dict = {}


def _marker_row(session: Reader, model, marker: str):
    try:
        marker_id = int(marker)
    except (TypeError, ValueError):
        raise errors.marker_not_found(marker) from None
    if not 0 < marker_id <= _MAX_ID:
        raise errors.marker_not_found(marker)
    stmt = _MARKER.get(model)
    if stmt is None:
        table = model.__table__
        stmt = _MARKER[model] = select(table).where(
            table.c.id == bindparam("id"), table.c.deleted == 0
        )
    row = session.execute(stmt, {"id": marker_id}).first()
    if row is None:
        raise errors.marker_not_found(marker)
    return row


def _after(col, value, direction: str):
    """Rows strictly after ``value`` in this column's order (NULL is smallest)."""
    if direction == "asc":
        return col.is_not(None) if value is None else col > value
    return false() if value is None else or_(col < value, col.is_(None))


def _equal(col, value):
    return col.is_(None) if value is None else col == value


# Built statements by shape (which filters, which order, which marker values are
# NULL); only the values change between requests, so each shape is built once.
_STATEMENTS: dict[tuple, Select] = {}
_MAX_SHAPES = 1024


def _statement(model, equal: tuple, since: tuple, order: tuple, marker_nulls) -> Select:
    shape = (model, equal, since, order, marker_nulls)
    stmt = _STATEMENTS.get(shape)
    if stmt is not None:
        return stmt
    columns = model.__table__.columns
    stmt = select(model.__table__).where(columns["deleted"] == 0)
    for key in equal:
        stmt = stmt.where(columns[key] == bindparam(f"eq_{key}"))
    for key in since:
        stmt = stmt.where(columns[key] >= bindparam(f"ge_{key}"))
    if marker_nulls is not None:
        value = {
            key: None if is_null else bindparam(f"m_{key}")
            for (key, _), is_null in zip(order, marker_nulls, strict=True)
        }
        branches = []
        for i, (key, direction) in enumerate(order):
            prefix = [_equal(columns[k], value[k]) for k, _ in order[:i]]
            branches.append(and_(*prefix, _after(columns[key], value[key], direction)))
        stmt = stmt.where(or_(*branches))
    clauses = []
    for key, direction in order:
        col = columns[key]
        if col.nullable:
            nulls = col.is_(None)
            clauses.append(nulls.desc() if direction == "asc" else nulls.asc())
        clauses.append(col.asc() if direction == "asc" else col.desc())
    stmt = stmt.order_by(*clauses).limit(bindparam("limit", type_=Integer))
    if len(_STATEMENTS) >= _MAX_SHAPES:
        _STATEMENTS.clear()
    _STATEMENTS[shape] = stmt
    return stmt


def paginate(
    session: Reader, model, filters: dict, params: ListParams, since: dict | None = None
) -> list:
    """Live rows of ``model`` with ``column == value`` for each filter (and
    ``column >= value`` for each of ``since``), sorted, after the marker, limited."""
    order = tuple(_resolve_sort(model, params))
    if params.limit == 0:
        return []
    since = since or {}
    values = {f"eq_{k}": v for k, v in filters.items()}
    values.update({f"ge_{k}": v for k, v in since.items()})
    values["limit"] = params.limit
    marker_nulls = None
    if params.marker is not None:
        marker = _marker_row(session, model, params.marker)
        marker_values = {key: getattr(marker, key) for key, _ in order}
        marker_nulls = tuple(marker_values[key] is None for key, _ in order)
        values.update({f"m_{k}": v for k, v in marker_values.items() if v is not None})
    stmt = _statement(model, tuple(filters), tuple(since), order, marker_nulls)
    return list(session.execute(stmt, values))
