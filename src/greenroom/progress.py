"""Live progress for long work (image builds, a replica coming up): a table on a terminal, plain
lines under CI or a pipe, each change printed once; always on stderr, so stdout stays for output."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from types import TracebackType

from rich.console import Console
from rich.live import Live
from rich.table import Table


@dataclass
class _Row:
    phase: str = "waiting"
    started: float | None = None
    finished: float | None = None
    style: str = "dim"
    marks: list[str] = field(default_factory=list)

    def elapsed(self) -> float:
        if self.started is None:
            return 0.0
        return (self.finished or time.monotonic()) - self.started


console = Console(stderr=True, highlight=False, soft_wrap=True)
"""Where greenroom talks to a person: stderr, so stdout stays for what a command outputs; soft
wrap, like `output`, so a URL or command in a message is never broken at a width."""

output = Console(highlight=False, soft_wrap=True)
"""What a command outputs (a status table, the endpoints): stdout, for pipes and scripts.

Soft wrap: a line longer than the terminal is left to the terminal, never cut at its width, so a
connection string or an ID printed here is always whole.
"""


@contextlib.contextmanager
def stdout_reserved() -> Iterator[None]:
    """While a command writes a document (JSON) to stdout, send everything else to stderr.

    Both Python's ``sys.stdout`` and file descriptor 1 are redirected, so neither a stray print nor
    a child process can put a line into the document.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        with contextlib.redirect_stdout(sys.stderr):
            yield
            sys.stderr.flush()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


class Progress:
    """Each item's phase and elapsed time; ``live=None`` picks rich only on a real terminal."""

    def __init__(
        self,
        names: Iterable[str],
        *,
        live: bool | None = None,
        quiet: bool = False,
        title: str = "",
        column: str = "image",
    ) -> None:
        self.rows = {name: _Row() for name in names}
        self.quiet = quiet
        self.title = title
        self.column = column
        if live is None:
            live = console.is_terminal and not os.environ.get("CI") and not quiet
        self._live = (
            Live(self, console=console, refresh_per_second=4, transient=False) if live else None
        )

    def __enter__(self) -> Progress:
        if self._live:
            self._live.__enter__()
        elif self.title:
            print(self.title, file=sys.stderr, flush=True)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._live:
            self._live.__exit__(exc_type, exc, tb)

    def phase(self, name: str, text: str) -> None:
        """``name`` entered ``text`` (e.g. "debootstrap", "docker build")."""
        row = self.rows.setdefault(name, _Row())
        if row.started is None:
            row.started = time.monotonic()
        changed = row.phase != text
        row.phase, row.style = text, "cyan"
        if changed:
            self._plain(name, text)

    def done(self, name: str, text: str = "done") -> None:
        """``name`` finished (built, pulled, or already up to date)."""
        row = self.rows.setdefault(name, _Row())
        row.started = row.started or time.monotonic()
        row.finished = time.monotonic()
        row.phase, row.style = text, "green"
        self._plain(name, text)

    def failed(self, name: str, text: str) -> None:
        """``name`` failed; the error itself is reported by the caller."""
        row = self.rows.setdefault(name, _Row())
        row.finished = time.monotonic()
        row.phase, row.style = f"failed: {text}", "red"
        self._plain(name, row.phase)

    def _plain(self, name: str, text: str) -> None:
        if self._live is None and not (self.quiet and text == "up to date"):
            elapsed = self.rows[name].elapsed()
            print(f"[{name}] {text} ({elapsed:.1f}s)", file=sys.stderr, flush=True)

    def __rich__(self) -> Table:
        table = Table(
            title=self.title or None,
            title_justify="left",
            show_header=True,
            header_style="bold",
            box=None,
            pad_edge=False,
        )
        table.add_column(self.column)
        table.add_column("phase")
        table.add_column("elapsed", justify="right")
        for name, row in self.rows.items():
            table.add_row(name, f"[{row.style}]{row.phase}[/]", f"{row.elapsed():5.1f}s")
        return table
