"""Whatever the text, the loader answers with an Environment or a located ConfigError, and stops."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from greenroom.errors import ConfigError
from greenroom.model import Environment, load_environment

ROOT = Path(__file__).parents[3]
LOCATED = re.compile(r"^[^\n]+:\d+:\d+: \S")
YAMLISH = st.sampled_from(
    [
        *"abz09 :-\n\t'\"[]{},#&*!|>?%@`=.~/\\",
        *["\n  ", ": ", "- ", "null", "true", "!reset", "!append", "<<: ", "*a", "&a ", "---\n"],
        *["services", "components", "redis", "zones", "depends_on", "port", "secret", "queues"],
    ]
)
FUZZ = settings(
    max_examples=100,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(ROOT / "envs", root / "envs")
    return root


def check(root: Path, name: str = "dev", overrides: tuple[str, ...] = ()) -> None:
    try:
        env = load_environment(name, root=root, environ={}, overrides=overrides)
    except ConfigError as exc:
        assert exc.exit_code == 2
        lines = exc.message.splitlines()
        assert lines
        for line in lines:
            assert LOCATED.match(line), line
    else:
        assert isinstance(env, Environment)


@FUZZ
@given(st.lists(YAMLISH, max_size=80).map("".join))
def test_random_yamlish_text(project: Path, text: str) -> None:
    (project / "envs" / "fuzzed.yaml").write_text(text)
    check(project, "fuzzed")


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "duplicate-line", "replace-word"]))
        if action == "insert":
            text = text[:at] + draw(st.lists(YAMLISH, max_size=4).map("".join)) + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 30)) :]
        elif action == "duplicate-line":
            lines = text.splitlines(keepends=True)
            if lines:
                i = draw(st.integers(0, len(lines) - 1))
                lines.insert(i, lines[i])
            text = "".join(lines)
        else:
            words = re.findall(r"[A-Za-z_][\w.-]*", text)
            if words:
                old = draw(st.sampled_from(words))
                text = text.replace(old, draw(YAMLISH), 1)
    return text


@FUZZ
@given(st.data())
def test_mutated_reference_envs(project: Path, data: st.DataObject) -> None:
    for name in ("base", "stage"):
        original = (ROOT / "envs" / f"{name}.yaml").read_text()
        (project / "envs" / f"{name}.yaml").write_text(data.draw(mutated(original)))
    check(project, "stage")


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["components.redis.auth", "services.api", "exposure", "x[0]", "a..b"]),
            st.lists(YAMLISH, max_size=6).map("".join),
        ).map("=".join),
        max_size=3,
    )
)
def test_random_overrides(project: Path, overrides: list[str]) -> None:
    for name in ("base", "stage"):
        shutil.copy(ROOT / "envs" / f"{name}.yaml", project / "envs" / f"{name}.yaml")
    check(project, "stage", tuple(overrides))


@pytest.mark.parametrize(
    "text",
    [
        "a: &a [x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n"
            for p, c in zip("abcdefg", "bcdefgh", strict=True)
        )
        + "description: *h\n",
        "description: " + "[" * 1500 + "]" * 1500 + "\n",
        "description: " + "1" * 5000 + "\n",
    ],
    ids=["alias-bomb", "deep-nesting", "huge-number"],
)
def test_hostile_documents_end_in_a_located_error(project: Path, text: str) -> None:
    (project / "envs" / "hostile.yaml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_environment("hostile", root=project, environ={})
    assert LOCATED.match(caught.value.message)
