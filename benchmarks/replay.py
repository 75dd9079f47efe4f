"""Replay throughput through JetStream into the app, against raw publishing in the same run.

Both publish the same events (the model's replay file, repeated under fresh ``Nats-Msg-Id``s to
the size asked for) into a freshly reset stream. Raw: with the consuming services stopped, until
JetStream has acknowledged every message. Replay: with them running, until they have
acknowledged every message. The ratio replay / raw is what the app's consumers cost. Target:
5,000 events/s through the app.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from dataclasses import replace
from pathlib import Path

from benchmarks._replica import replica_flags, warm_target

TARGET_RATE = 5000.0
POLL = 0.2


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks replay")
    replica_flags(parser)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--file", default="", help="replay file (default: the model's)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to drain")
    args = parser.parse_args(argv)

    from greenroom.errors import GreenroomError
    from greenroom.paths import project_root
    from greenroom.suites.replay.recording import read
    from greenroom.suites.replay.rehearsal import Rehearsal, replica_services

    target = warm_target(args)
    if target is None:
        return 1
    spec = target.model.replay if target.model else None
    given = args.file or (spec.file if spec else None)
    if spec is None or not given or not spec.consumers:
        print("error: the model names no replay file or consumers (replay:)", file=sys.stderr)
        return 1
    try:
        templates = read(project_root() / Path(given))
    except GreenroomError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    events = [
        replace(
            templates[i % len(templates)],
            headers={**templates[i % len(templates)].headers, "Nats-Msg-Id": str(uuid.uuid4())},
        )
        for i in range(args.events)
    ]
    rehearsal = Rehearsal(
        target=target,
        spec=spec.model_copy(update={"speed": 0}),
        messages=events,
        stream=spec.stream or templates[0].stream,
        services=replica_services(target),
    )

    rehearsal.reset()
    rehearsal.pause()
    try:
        start = time.perf_counter()
        rehearsal.publish()
        raw = time.perf_counter() - start
    finally:
        rehearsal.resume()
    rehearsal.reset()
    start = time.perf_counter()
    rehearsal.publish()
    while rehearsal.backlog():
        if time.perf_counter() - start > args.timeout:
            print(f"error: not drained within {args.timeout:g} s", file=sys.stderr)
            return 1
        time.sleep(POLL)
    through = time.perf_counter() - start
    rehearsal.reset()

    raw_rate, app_rate = len(events) / raw, len(events) / through
    print()
    print(
        f"raw publishing into JetStream   {raw_rate:10.0f} events/s  ({len(events)} in {raw:.2f} s)"
    )
    print(
        f"replay through the app          {app_rate:10.0f} events/s  "
        f"({len(events)} in {through:.2f} s)"
    )
    print(f"ratio replay / raw              {app_rate / raw_rate:10.3f}")
    verdict = "met" if app_rate >= TARGET_RATE else "NOT met"
    print(f"target {TARGET_RATE:,.0f} events/s through the app: {verdict}")
    return 0
