"""`inv drill jetstream ENV`: NATS restarted under a publisher; every acknowledged message is still
in its stream afterwards.

The publisher numbers its messages on a subject of the first declared stream that no consumer of
the model filters on, reconnects through the restart, and records each publish acknowledgement
(the stream's sequence). Afterwards each acknowledged sequence is read back; the drill's messages
are purged from the stream.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from greenroom.drills import faults
from greenroom.drills.common import Timeline, perform, table, wait_for
from greenroom.errors import ConfigError
from greenroom.suites.target import Target

DRILL_TOKEN = "greenroom-drill"


@dataclass(frozen=True)
class JetStreamDrill:
    """What the drill measured."""

    env: str
    stream: str
    subject: str
    acknowledged: int
    lost: int
    rto_seconds: float
    timeline: list[tuple[float, str]]

    def table(self) -> str:
        return table(
            f"JetStream restart drill of {self.env} ({self.stream}, {self.subject})",
            [
                ("acknowledged messages", str(self.acknowledged)),
                ("of those lost", str(self.lost)),
                ("RTO", f"{self.rto_seconds:.1f} s (fault to the next acknowledged publish)"),
            ],
            self.timeline,
        )

    def measures(self) -> dict[str, str]:
        return {"messages_lost": str(self.lost), "rto_seconds": str(self.rto_seconds)}

    def failure(self) -> str | None:
        if not self.lost:
            return None
        return f"JetStream drill of {self.env}: {self.lost} acknowledged message(s) lost"


def drill_subject(subjects: Sequence[str]) -> str:
    """A concrete subject inside the stream's first subject pattern: `orders.>` ->
    `orders.greenroom-drill`."""
    tokens = subjects[0].split(".")
    return ".".join(DRILL_TOKEN if t in ("*", ">") else t for t in tokens)


class Publisher(threading.Thread):
    """Numbered messages published until stopped, reconnecting through a restart."""

    def __init__(self, url: str, token: str | None, subject: str) -> None:
        super().__init__(daemon=True, name="drill-publisher")
        self.url, self.token, self.subject = url, token, subject
        self.acked: list[tuple[int, int, float]] = []
        """(number, stream sequence, when acknowledged)."""
        self.failed_at: float | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        asyncio.run(self._publish())

    async def _publish(self) -> None:
        from greenroom.components.nats.provision import connect

        n = 0
        while not self.stop.is_set():
            try:
                async with connect(self.url, self.token, timeout=2) as nc:
                    js = nc.jetstream(timeout=2)
                    while not self.stop.is_set():
                        n += 1
                        ack = await js.publish(self.subject, str(n).encode())
                        self.acked.append((n, int(ack.seq), time.monotonic()))
                        await asyncio.sleep(0.02)
            except Exception:  # the restart: reconnect, and never reuse a number
                self.failed_at = self.failed_at or time.monotonic()
                await asyncio.sleep(0.2)


async def _missing(
    url: str, token: str | None, stream: str, subject: str, acked: list[tuple[int, int, float]]
) -> int:
    """How many acknowledged messages the stream no longer holds as sent; then purge the drill's."""
    from greenroom.components.nats.provision import connect

    missing = 0
    async with connect(url, token, timeout=3) as nc:
        js = nc.jetstream(timeout=3)
        for n, seq, _ in acked:
            try:
                message = await js.get_msg(stream, seq)
            except Exception:
                missing += 1
                continue
            missing += message.data != str(n).encode()
        await js.purge_stream(stream, subject=subject)
    return missing


def run_jetstream_drill(target: Target, project: str) -> JetStreamDrill:
    """The drill on a running replica with a NATS component that declares a stream."""
    found = [
        (n, c) for n, c in sorted(target.connections.items()) if target.parts[n].kind == "nats"
    ]
    if not found or not found[0][1].streams:
        raise ConfigError(f"{target.env} declares no JetStream stream to drill", hint="see envs/")
    name, conn = found[0]
    spec = getattr(target.parts[name], "spec", None)
    stream = spec.streams[0] if spec is not None else None
    assert stream is not None
    subject = drill_subject(stream.subjects)
    token = conn.token.get_secret_value() if conn.token else None
    clock = Timeline()
    publisher = Publisher(conn.url, token, subject)
    publisher.start()
    clock.mark("publisher started")
    wait_for("the first acknowledged publish", lambda: bool(publisher.acked), timeout=30)
    time.sleep(1)
    with faults.stopped(project, name) as fault:
        clock.mark(f"fault: {name} stopped ({fault.wall})")
        time.sleep(1)
    clock.mark(f"{name} started again")
    wait_for(
        "the next acknowledged publish",
        lambda: any(t > (publisher.failed_at or fault.at) for _, _, t in publisher.acked),
    )
    first = next(t for _, _, t in publisher.acked if t > (publisher.failed_at or fault.at))
    clock.mark("publishes acknowledged again")
    time.sleep(0.5)
    publisher.stop.set()
    publisher.join(timeout=10)
    acked = list(publisher.acked)
    lost = asyncio.run(_missing(conn.url, token, stream.name, subject, acked))
    clock.mark("every acknowledged sequence read back; the drill's messages purged")
    return JetStreamDrill(
        env=target.env,
        stream=stream.name,
        subject=subject,
        acknowledged=len(acked),
        lost=lost,
        rto_seconds=round(first - fault.at, 2),
        timeline=clock.events,
    )


def drill_jetstream(env_name: str, overrides: Sequence[str] = ()) -> JetStreamDrill:
    """Run the drill on ``env_name``'s replica, print its table, record it in the ledger."""
    return perform("jetstream", env_name, overrides, run_jetstream_drill)
