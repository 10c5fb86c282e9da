"""Live-name uniqueness, shared by segments and hosts.

A name is taken when another live row of the table has it; the unique
(name, deleted) constraint is the judge, and its violation is the 409. A
create is one INSERT (no SELECT before it, no ORM unit of work): it is the
API's hottest write. A rename checks first, for the 409 before any change.
"""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import Table, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from masakari_lite.db import errors, rows
from masakari_lite.db.models import utcnow


class UniqueName:
    def __init__(self, table: Table, kind: str):
        # Built once: statement construction costs more than the SQLite query itself.
        self._taken = select(table.c.id).where(
            table.c.name == bindparam("name"),
            table.c.deleted == 0,
            table.c.id != bindparam("exclude"),
        )
        self._kind = kind
        self._table = table

    def conflict(self, name: str) -> errors.Conflict:
        return errors.Conflict(f"{self._kind} with name {name} already exists.")

    def insert(self, session: Session, values: dict) -> SimpleNamespace:
        """Insert a live row named ``values["name"]``: the row as stored, id included."""
        try:
            return rows.insert(session, self._table, values)
        except IntegrityError:
            raise self.conflict(values["name"]) from None

    def check(self, session: Session, name: str, exclude_id: int | None = None) -> None:
        """409 when another live row already has ``name``."""
        found = session.execute(self._taken, {"name": name, "exclude": exclude_id or 0}).first()
        if found is not None:
            raise self.conflict(name)

    def flush(self, session: Session, name: str) -> None:
        try:
            session.flush()
        except IntegrityError:
            raise self.conflict(name) from None

    def update(self, session: Session, row, values: dict) -> None:
        """Apply ``values`` to the live ``row``, renaming only to a free name."""
        name = values.get("name")
        if name is not None:
            self.check(session, name, exclude_id=row.id)
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
        self.flush(session, name or row.name)
