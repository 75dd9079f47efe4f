"""Tables that survive a pipe: a rich table on a terminal wide enough for it, else one plain line
per record, so no connection string or ID is ever cut to fit a width."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

Cell = str | Text
"""A plain value, or a styled one (the style shows on a terminal only)."""

GAP = "  "
UNBOUNDED = 1_000_000
"""A width no table reaches: measuring within it gives a table's natural width."""


@dataclass
class Listing:
    """Records under named columns; rendering picks the layout that keeps every value whole."""

    title: str
    columns: Sequence[str]
    rows: list[Sequence[Cell]] = field(default_factory=list)

    def add_row(self, *cells: Cell) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(cells)

    def table(self) -> Table:
        """The rich table: every column unwrapped, folded rather than cut if it ever overflows."""
        table = Table(title=self.title or None, title_justify="left")
        for column in self.columns:
            table.add_column(column, no_wrap=True, overflow="fold")
        for row in self.rows:
            table.add_row(*(_text(cell) for cell in row))
        return table

    def lines(self) -> list[str]:
        """The plain layout: the title, a header, then one record per line in aligned columns."""
        cells = [list(self.columns), *([_text(c).plain or "-" for c in row] for row in self.rows)]
        widths = [max(len(row[i]) for row in cells) for i in range(len(self.columns))]
        body = [
            GAP.join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip()
            for row in cells
        ]
        return [self.title, *body] if self.title else body

    def fits(self, console: Console, options: ConsoleOptions) -> bool:
        """Whether the rich table shows every value whole: on a terminal, within its width."""
        if not console.is_terminal:
            return False
        unbounded = options.update_width(UNBOUNDED)
        return Measurement.get(console, unbounded, self.table()).maximum <= options.max_width

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if self.fits(console, options):
            yield self.table()
            return
        for line in self.lines():
            yield Text(line, no_wrap=True, overflow="ignore")


def _text(cell: Cell) -> Text:
    """A cell as rich Text: plain strings are taken literally, never parsed as markup."""
    return cell if isinstance(cell, Text) else Text(cell)


__all__ = ["Cell", "Listing"]
