"""`python -m greenroom ...` in a project folder, as a user runs it, with a throwaway ledger."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def greenroom_in(
    folder: Path,
    *args: str,
    ledger: Path,
    check: bool = True,
    timeout: float = 900,
) -> subprocess.CompletedProcess[str]:
    """Run greenroom in ``folder`` (its own project root); with ``check``, a failure fails the
    test with the command's last output."""
    env = dict(os.environ, GREENROOM_LEDGER=str(ledger))
    env.pop("GREENROOM_ROOT", None)
    done = subprocess.run(
        [sys.executable, "-m", "greenroom", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )
    if check and done.returncode != 0:
        pytest.fail(
            f"greenroom {' '.join(args)} failed in {folder.name}:\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return done
