"""`inv up` / `inv down` against raw Compose on the same rendered project, measured in one run.

Cold: nothing running, images present. greenroom's `up` (CLI, fresh process) against raw Compose
doing the same work on the same rendered file: `up -d --wait` of the infrastructure, the same
provisioning calls, then `up -d --wait` of the rest (the reference app will not start unprovisioned,
so a bare single `up --wait` cannot bring it up at all). Warm: a no-op `inv up` on a running,
unchanged replica against raw `docker compose up -d --wait`. Down: `inv down` against raw
`docker compose down`. Targets: cold overhead <= 10 %, warm no-op <= 0.5x raw, down <= 5 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

COLD_OVERHEAD = 1.10
WARM_RATIO = 0.5
DOWN_SECONDS = 5.0


def _seconds(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _run(argv: list[str]) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise SystemExit(f"{' '.join(argv[:6])}... failed ({result.returncode}):\n{tail}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks up")
    parser.add_argument("--env", default="dev")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    from greenroom.runtime import Replica
    from greenroom.runtime.lifecycle import prepare, provision_all

    cli = [sys.executable, "-m", "greenroom"]
    replica = Replica.open(args.env)
    _run([*cli, "down", args.env, "--volumes", "--yes"])
    _run([*cli, "up", args.env])  # builds what is missing; renders the file raw Compose runs
    prepare(replica)
    compose = replica.compose_argv()
    infra = sorted(replica.env.components)

    def raw_cold() -> None:
        _run([*compose, "up", "-d", "--wait", "--pull", "never", *infra])
        provision_all(replica, replica.access())
        _run([*compose, "up", "-d", "--wait", "--pull", "never"])

    figures: dict[str, list[float]] = {k: [] for k in ("cold", "raw_cold", "warm", "raw_warm")}
    downs: list[float] = []
    raw_downs: list[float] = []
    for _ in range(args.repeat):
        _run([*cli, "down", args.env, "--volumes", "--yes"])
        figures["raw_cold"].append(_seconds(raw_cold))
        figures["raw_warm"].append(
            _seconds(lambda: _run([*compose, "up", "-d", "--wait", "--pull", "never"]))
        )
        raw_downs.append(_seconds(lambda: _run([*compose, "down", "--volumes"])))
        figures["cold"].append(_seconds(lambda: _run([*cli, "up", args.env])))
        figures["warm"].append(_seconds(lambda: _run([*cli, "up", args.env])))
        downs.append(_seconds(lambda: _run([*cli, "down", args.env])))
    _run([*cli, "down", args.env, "--volumes", "--yes"])

    med = {k: statistics.median(v) for k, v in figures.items()}
    down, raw_down = statistics.median(downs), statistics.median(raw_downs)
    cold_ratio = med["cold"] / med["raw_cold"]
    warm_ratio = med["warm"] / med["raw_warm"]
    print(f"runs: {args.repeat} (medians)")
    print(
        f"cold up:   greenroom {med['cold']:.1f}s  raw compose {med['raw_cold']:.1f}s  "
        f"ratio {cold_ratio:.2f} (target <= {COLD_OVERHEAD:.2f})"
    )
    print(
        f"warm no-op: greenroom {med['warm']:.2f}s  raw compose {med['raw_warm']:.2f}s  "
        f"ratio {warm_ratio:.2f} (target <= {WARM_RATIO:.2f})"
    )
    print(
        f"down:      greenroom {down:.1f}s  raw compose {raw_down:.1f}s  "
        f"ratio {down / raw_down:.2f} (target <= {DOWN_SECONDS:.0f}s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
