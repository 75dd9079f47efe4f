"""Releases: the evidence ledger of suite runs per image digest, and promotion behind gates
(candidate, gates, transport, deploy, canary, history, lock)."""

from greenroom.release.ledger import Entry, LedgerError, entries, latest, ledger_path, record

__all__ = ["Entry", "LedgerError", "entries", "latest", "ledger_path", "record"]
