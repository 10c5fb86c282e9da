"""Draw the tracker: a live table on a terminal, plain lines otherwise; the summary."""

from __future__ import annotations

import time

from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from masakari_lite.demo.tracker import Row, Tracker
from masakari_lite.demo.world import HA_KEY

PHASE_STYLE = {
    "running": "green",
    "active": "bold green",
    "left alone": "yellow",
    "failed": "bold red",
    "crashed": "bold red",
    "host down": "bold red",
    "pending": "cyan",
    "evacuating": "bold magenta",
    "starting": "magenta",
}


def _fmt_seconds(value: float | None) -> str:
    return "" if value is None else f"{value:5.1f}s"


def _where(row: Row) -> str:
    if row.dest and row.dest != row.host:
        return f"{row.host} → {row.dest}"
    return row.host


def _disk(row: Row) -> str:
    return "volume" if row.spec.volume_backed else "local"


class View:
    """What the scenario calls while it runs: headings, polls, the end."""

    def __init__(self, tracker: Tracker, console: Console):
        self.tracker = tracker
        self.console = console

    def __enter__(self) -> View:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def heading(self, text: str) -> None:
        self.tracker.note(text)

    def refresh(self) -> None:
        pass


class PlainView(View):
    """Not a terminal (CI, a pipe): one line per step and per phase change."""

    def __init__(self, tracker: Tracker, console: Console):
        super().__init__(tracker, console)
        self._printed = 0

    def heading(self, text: str) -> None:
        super().heading(text)
        self.refresh()

    def refresh(self) -> None:
        events = self.tracker.events
        for event in events[self._printed :]:
            who = f"{event.name}: " if event.name else "== "
            self.console.print(f"[{event.at:6.1f}s] {who}{event.text}", highlight=False)
        self._printed = len(events)


class LiveView(View):
    """A terminal: the table of instances, redrawn in place, and the latest events."""

    def __init__(self, tracker: Tracker, console: Console):
        super().__init__(tracker, console)
        self.live = Live(self._render(), console=console, refresh_per_second=8, transient=False)

    def __enter__(self) -> LiveView:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.update(self._render())
        self.live.__exit__(*exc)

    def heading(self, text: str) -> None:
        super().heading(text)
        self.refresh()

    def refresh(self) -> None:
        self.live.update(self._render())

    def _render(self):
        now = time.monotonic()
        table = Table(title="Instances", title_justify="left", expand=False)
        for column in ("instance", "tenant", HA_KEY, "disk", "host", "state", "time"):
            table.add_column(column, no_wrap=True, justify="right" if column == "time" else "left")
        for row in self.tracker.rows.values():
            style = PHASE_STYLE.get(row.phase, "magenta")
            table.add_row(
                row.name,
                row.spec.tenant,
                "True" if row.spec.ha else "",
                _disk(row),
                _where(row),
                Text(row.phase, style=style),
                "" if row.outcome == "left alone" else _fmt_seconds(row.elapsed(now)),
            )
        lines = Text()
        for event in self.tracker.events[-8:]:
            who = f"{event.name}: " if event.name else ""
            lines.append(f"{event.at:6.1f}s  ", style="dim")
            lines.append(f"{who}{event.text}\n", style="bold" if not event.name else "")
        return Group(table, Panel(lines, title="events", title_align="left"))


def make_view(tracker: Tracker, console: Console) -> View:
    return LiveView(tracker, console) if console.is_terminal else PlainView(tracker, console)


# --- the summary


def data_impact(row: Row, shared_storage: bool) -> str:
    if row.outcome == "restarted":
        return "memory lost (rebooted); disks kept"
    if row.outcome == "evacuated":
        if row.spec.volume_backed:
            return "memory lost; boot volume kept"
        if shared_storage:
            return "memory lost; disk kept (shared storage)"
        return f"memory lost; local disk rebuilt from image {row.image or '(unknown)'}"
    if row.outcome == "left alone":
        return f"down with {row.host}; its disk waits there"
    return "unknown: the recovery did not complete"


IMPACT_NOTE = (
    "Memory is always lost: recovery boots the guest again. Volume-backed (Cinder) and "
    "shared-storage disks are kept; a local ephemeral disk is rebuilt from its image on "
    "the new host, so what was written to it since boot is gone."
)


def summary(tracker: Tracker, shared_storage: bool) -> Table:
    table = Table(title="What happened", title_justify="left")
    for column in ("instance", "failure", "outcome", "from → to", "recovered in", "data impact"):
        table.add_column(column, no_wrap=column != "data impact")
    hit = [r for r in tracker.rows.values() if r.failure is not None]
    order = {"restarted": 0, "evacuated": 1, "left alone": 2, "failed": 3, None: 4}
    for row in sorted(hit, key=lambda r: (order.get(r.outcome, 4), r.name)):
        outcome = row.outcome or "unfinished"
        if row.outcome == "left alone":
            outcome = f"left alone: {row.reason}"
        elif row.outcome == "failed":
            outcome = f"FAILED: {row.reason}"
        moved = row.outcome in ("restarted", "evacuated")
        where = f"{row.host} → {row.dest}" if moved else row.host
        took = f"{row.elapsed(time.monotonic()):.1f}s" if moved else ""
        table.add_row(
            row.name,
            row.failure or "",
            Text(outcome, style=PHASE_STYLE.get(row.phase, "")),
            where,
            took,
            data_impact(row, shared_storage),
        )
    return table
