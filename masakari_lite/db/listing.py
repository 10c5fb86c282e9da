"""Sorted, keyset-paginated listing shared by every resource.

Upstream semantics: any column of the table is a sort key; ``created_at``
and ``id`` are appended as tie-breakers with the first direction; the page
starts after the marker row (looked up by its integer id among live rows).
NULL sorts as the smallest value on every backend, so pages never skip or
repeat rows whatever the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, and_, false, or_, select
from sqlalchemy.orm import Session

from masakari_lite.db import errors

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
    valid = _SORTABLE.setdefault(model, sort_columns(model) - _UNSORTABLE)
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


def _marker_row(session: Session, model, marker: str):
    try:
        marker_id = int(marker)
    except (TypeError, ValueError):
        raise errors.marker_not_found(marker) from None
    if not 0 < marker_id <= _MAX_ID:
        raise errors.marker_not_found(marker)
    table = model.__table__
    row = session.execute(
        select(table).where(table.c.id == marker_id, table.c.deleted == 0)
    ).first()
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


def paginate(session: Session, model, stmt: Select, params: ListParams) -> list:
    """Apply sorting, the marker and the limit to ``stmt`` (a Core select of the table)."""
    order = _resolve_sort(model, params)
    if params.limit == 0:
        return []
    columns = model.__table__.columns
    if params.marker is not None:
        marker = _marker_row(session, model, params.marker)
        branches = []
        for i, (key, direction) in enumerate(order):
            prefix = [_equal(columns[k], getattr(marker, k)) for k, _ in order[:i]]
            branches.append(and_(*prefix, _after(columns[key], getattr(marker, key), direction)))
        stmt = stmt.where(or_(*branches))
    clauses = []
    for key, direction in order:
        col = columns[key]
        if col.nullable:
            nulls = col.is_(None)
            clauses.append(nulls.desc() if direction == "asc" else nulls.asc())
        clauses.append(col.asc() if direction == "asc" else col.desc())
    return list(session.execute(stmt.order_by(*clauses).limit(params.limit)))
