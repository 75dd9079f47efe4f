"""`python -m benchmarks [NAME ...] [-- ARGS]` (`nox -s bench`): run every benchmark, or the named.

A benchmark is a module ``benchmarks/<name>.py`` with ``main(argv: list[str]) -> int``. It measures
its operation and a baseline in the same run and prints their ratio, so figures compare across
machines; it never fails on a timing, only when the operation itself fails.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def available() -> list[str]:
    return sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if not m.name.startswith("_")
    )


def main(argv: list[str]) -> int:
    names, rest = (
        (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else (argv, [])
    )
    known = available()
    unknown = [n for n in names if n not in known]
    if unknown:
        print(
            f"no benchmark named {', '.join(unknown)}; available: {', '.join(known)}",
            file=sys.stderr,
        )
        return 2
    worst = 0
    for name in names or known:
        print(f"== {name}", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        worst = max(worst, int(module.main(list(rest))))
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
