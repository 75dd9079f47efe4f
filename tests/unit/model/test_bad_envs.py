"""Every malformed env file in tests/fixtures/envs/bad produces exactly its expected message."""

from __future__ import annotations

from pathlib import Path

import pytest

from greenroom.errors import ConfigError
from greenroom.model import load_environment

BAD = Path(__file__).parents[2] / "fixtures" / "envs" / "bad"
CASES = sorted(p.stem for p in (BAD / "envs").glob("*.yaml") if p.stem != "base")


def directives(case: str) -> tuple[dict[str, str], list[str]]:
    """`# environ: NAME=value` and `# set: key=value` lines at the top of a case file."""
    environ: dict[str, str] = {}
    overrides: list[str] = []
    for line in (BAD / "envs" / f"{case}.yaml").read_text().splitlines():
        if line.startswith("# environ: "):
            name, _, value = line.removeprefix("# environ: ").partition("=")
            environ[name] = value
        elif line.startswith("# set: "):
            overrides.append(line.removeprefix("# set: "))
    return environ, overrides


def failure(case: str) -> ConfigError:
    environ, overrides = directives(case)
    with pytest.raises(ConfigError) as caught:
        load_environment(case, root=BAD, environ=environ, overrides=overrides)
    return caught.value


def test_the_corpus_is_large_and_every_case_has_an_expectation() -> None:
    assert len(CASES) >= 50
    missing = [c for c in CASES if not (BAD / "envs" / f"{c}.expected").is_file()]
    assert missing == []


@pytest.mark.parametrize("case", CASES)
def test_case_produces_its_exact_message(case: str) -> None:
    expected = (BAD / "envs" / f"{case}.expected").read_text().rstrip("\n")
    error = failure(case)
    assert error.message == expected
    assert error.exit_code == 2
    assert error.hint


@pytest.mark.parametrize("case", CASES)
def test_every_line_points_at_a_place(case: str) -> None:
    for line in failure(case).message.splitlines():
        source, line_no, column, _ = line.split(":", 3)
        assert source and line_no.isdigit() and column.isdigit(), line
