"""`inv test smoke` on a warm dev replica, against a bare pytest run of an empty test.

The baseline is the same in-process ``pytest.main`` with the same options and an empty test, so the
ratio is what the smoke checks themselves cost. Target: the smoke run within 5 s on a warm replica.
Runs go to a throwaway ledger and report folder, never the project's own evidence.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

from benchmarks._replica import replica_flags, warm_target

TARGET_SECONDS = 5.0


def _timed(action: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def _baseline(work: Path) -> Callable[[], object]:
    import pytest

    folder = work / "empty"
    folder.mkdir(exist_ok=True)
    (folder / "test_empty.py").write_text("def test_nothing():\n    pass\n")

    def run() -> object:
        code = pytest.main(
            [
                str(folder),
                "-c",
                os.devnull,
                "--rootdir",
                str(folder),
                "-p",
                "no:cacheprovider",
                "-q",
                "-W",
                "ignore::pytest.PytestAssertRewriteWarning",
                f"--junitxml={work / 'empty.xml'}",
            ]
        )
        if code != 0:
            raise SystemExit(f"baseline pytest run failed with exit code {int(code)}")
        return code

    return run


def _per_test(junit: Path) -> dict[str, float]:
    root = ET.parse(junit).getroot()
    return {c.get("name", "?"): float(c.get("time", 0)) for c in root.iter("testcase")}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks smoke")
    replica_flags(parser)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    from greenroom.errors import GreenroomError
    from greenroom.suites import run_suite

    target = warm_target(args)
    if target is None:
        return 1
    with tempfile.TemporaryDirectory(prefix="greenroom-bench-") as tmp:
        work = Path(tmp)
        ledger = work / "ledger.jsonl"
        junit = work / "smoke.xml"

        def smoke() -> object:
            return run_suite("smoke", args.env, target=target, junit=junit, ledger=ledger)

        try:
            smoke()  # warm-up: imports, first connections
            baseline = _timed(_baseline(work), args.repeat)
            measured = _timed(smoke, args.repeat)
        except GreenroomError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        per_test = _per_test(junit)
    base, run = statistics.median(baseline), statistics.median(measured)
    print()
    print(f"baseline (pytest, one empty test)  median {base:6.2f} s  over {args.repeat} runs")
    print(f"smoke on warm {args.env:<20} median {run:6.2f} s  over {args.repeat} runs")
    print(f"ratio smoke / baseline             {run / base:6.1f} x")
    verdict = "within" if run <= TARGET_SECONDS else "OVER"
    print(f"target {TARGET_SECONDS:g} s                         {verdict}")
    print("slowest checks of the last run:")
    for name, seconds in sorted(per_test.items(), key=lambda kv: -kv[1])[:5]:
        print(f"  {seconds:6.2f} s  {name}")
    return 0
