"""Live per-service progress while a replica comes up: a table on a terminal, plain lines in CI."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from rich.console import Console
from rich.live import Live
from rich.table import Table

console = Console(stderr=True, highlight=False)

_STYLE = {"ready": "green", "provisioned": "green", "failed": "bold red", "done": "green"}


class Progress:
    """Tracks one phase per item; redraws a table (TTY) or prints each change once (CI, pipes)."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.started = time.monotonic()
        self.rows: dict[str, tuple[str, str, float]] = {}
        self.live: Live | None = None
        self.interactive = console.is_terminal and sys.stdin is not None

    def __enter__(self) -> Progress:
        if self.interactive:
            self.live = Live(self._table(), console=console, refresh_per_second=4, transient=False)
            self.live.__enter__()
        else:
            console.print(f"{self.title}")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.live:
            self.live.update(self._table())
            self.live.__exit__(exc_type, exc, tb)

    def update(self, item: str, phase: str, detail: str = "") -> None:
        """Record that ``item`` entered ``phase`` (e.g. starting, waiting, ready, provisioned)."""
        previous = self.rows.get(item)
        since = previous[2] if previous and previous[0] == phase else time.monotonic()
        self.rows[item] = (phase, detail, since)
        if self.live:
            self.live.update(self._table())
        elif not previous or previous[:2] != (phase, detail):
            elapsed = time.monotonic() - self.started
            suffix = f" ({detail})" if detail else ""
            console.print(f"  [{elapsed:6.1f}s] {item}: {phase}{suffix}")

    def _table(self) -> Table:
        table = Table(title=self.title, title_justify="left", box=None, pad_edge=False)
        table.add_column("service")
        table.add_column("phase")
        table.add_column("detail", overflow="fold")
        for item, (phase, detail, _since) in self.rows.items():
            style = _STYLE.get(phase, "yellow")
            table.add_row(item, f"[{style}]{phase}[/]", detail)
        table.caption = f"{time.monotonic() - self.started:.1f}s"
        return table


@contextmanager
def step(message: str) -> Iterator[None]:
    """A one-line step with its duration, for work that is not per service."""
    started = time.monotonic()
    console.print(f"{message}...")
    yield
    console.print(f"{message}: done in {time.monotonic() - started:.1f}s")
