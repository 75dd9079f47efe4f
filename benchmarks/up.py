"""`inv up` against raw Compose on the same rendered project, measured in one run.

Three ratios, each with its target:

- cold, moto: a cold `inv up dev --set components.aws.emulator=moto` (everything up, provisioned,
  migrated, the app answering) against raw Compose bringing up only the infrastructure on the same
  rendered file (`up -d --wait` of the components). Target <= 1.3.
- cold, LocalStack: a cold `inv up dev` against raw Compose doing the same work on the same
  rendered file: `up -d --wait` of the infrastructure, the same provisioning calls, then
  `up -d --wait` of the rest (the reference app will not start unprovisioned). Target <= 0.8.
- warm: a no-op `inv up dev` on a running, unchanged replica against raw `up -d --wait`.
  Target <= 0.3.

Cold means nothing running, images present. Replicas live in the benchmarks' own namespace.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

MOTO = ["components.aws.emulator=moto"]
TARGETS = {"cold_moto": 1.3, "cold": 0.8, "warm": 0.3}


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

    from greenroom.render.workdir import write_project
    from greenroom.runtime import Replica
    from greenroom.runtime.lifecycle import prepare, provision_all

    cli = [sys.executable, "-m", "greenroom"]
    sets = [arg for override in MOTO for arg in ("--set", override)]
    moto, localstack = Replica.open(args.env, MOTO), Replica.open(args.env, ())
    _run([*cli, "down", args.env, "--volumes", "--yes"])
    _run([*cli, "up", args.env])  # builds what is missing
    _run([*cli, "down", args.env, "--volumes", "--yes"])
    compose = localstack.compose_argv()
    infra = sorted(localstack.env.components)

    def render(replica: Replica) -> None:
        """The file raw Compose runs: the one `inv up` would write for this model."""
        write_project(replica.dir, prepare(replica))

    def raw_cold() -> None:
        _run([*compose, "up", "-d", "--wait", "--pull", "never", *infra])
        provision_all(localstack, localstack.access())
        _run([*compose, "up", "-d", "--wait", "--pull", "never"])

    def measure(action: Callable[[], object]) -> float:
        start = time.perf_counter()
        action()
        return time.perf_counter() - start

    runs: dict[str, list[float]] = {
        k: [] for k in ("cold_moto", "raw_infra", "cold", "raw_cold", "warm", "raw_warm", "down")
    }
    for _ in range(args.repeat):
        render(moto)
        runs["raw_infra"].append(
            measure(lambda: _run([*compose, "up", "-d", "--wait", "--pull", "never", *infra]))
        )
        _run([*compose, "down", "--volumes"])
        runs["cold_moto"].append(measure(lambda: _run([*cli, "up", args.env, *sets])))
        _run([*cli, "down", args.env, "--volumes", "--yes", *sets])

        render(localstack)
        runs["raw_cold"].append(measure(raw_cold))
        runs["raw_warm"].append(
            measure(lambda: _run([*compose, "up", "-d", "--wait", "--pull", "never"]))
        )
        _run([*compose, "down", "--volumes"])
        runs["cold"].append(measure(lambda: _run([*cli, "up", args.env])))
        runs["warm"].append(measure(lambda: _run([*cli, "up", args.env])))
        runs["down"].append(measure(lambda: _run([*cli, "down", args.env])))
        _run([*cli, "down", args.env, "--volumes", "--yes"])

    med = {k: statistics.median(v) for k, v in runs.items()}
    rows = [
        ("cold up, moto", "cold_moto", "raw_infra", "raw compose: infrastructure only"),
        ("cold up, LocalStack", "cold", "raw_cold", "raw compose: the same work"),
        ("warm no-op up", "warm", "raw_warm", "raw compose: up -d --wait"),
    ]
    print(f"runs: {args.repeat} (medians)")
    for label, ours, raw, baseline in rows:
        ratio = med[ours] / med[raw]
        verdict = "ok" if ratio <= TARGETS[ours] else "over target"
        print(
            f"{label:20} greenroom {med[ours]:6.2f}s  {baseline} {med[raw]:6.2f}s  "
            f"ratio {ratio:.2f} (target <= {TARGETS[ours]:.1f}, {verdict})"
        )
    print(f"{'down':20} greenroom {med['down']:6.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
