"""What Prometheus scrapes from every service (the ops zone's observability)."""

from __future__ import annotations

from prometheus_client import Counter

REQUESTS = Counter("rin_requests", "HTTP requests served", ["service", "status"])
EVENTS_RELAYED = Counter("rin_events_relayed", "Outbox rows published to JetStream")
EVENTS_APPLIED = Counter(
    "rin_events_applied", "Events applied by a consumer", ["consumer", "outcome"]
)
