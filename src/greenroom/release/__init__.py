"""What a release decision reads: the evidence ledger of suite runs per image digest."""

from greenroom.release.ledger import Entry, LedgerError, entries, latest, ledger_path, record

__all__ = ["Entry", "LedgerError", "entries", "latest", "ledger_path", "record"]
