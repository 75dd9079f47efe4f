"""Secret values reach 0600 files outside the repo, stay stable, and never show up in errors."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from greenroom.errors import ConfigError
from greenroom.model import Environment
from greenroom.secrets import materialize, read, state_dir_for


def environment(secrets: dict[str, dict[str, object]], name: str = "dev") -> Environment:
    return Environment.model_validate(
        {"name": name, "project": "shop", "zones": {"app": {}}, "secrets": secrets}
    )


def test_state_dir_is_per_user_checkout_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    env = environment({})
    one, two = state_dir_for(env, tmp_path / "a"), state_dir_for(env, tmp_path / "b")
    assert one != two and one == state_dir_for(env, tmp_path / "a")
    assert one.is_relative_to(tmp_path / "state" / "greenroom")
    assert one.parts[-2:] == ("dev", "secrets") and one.parts[-3].startswith("shop-")
    assert state_dir_for(environment({}, name="prod"), tmp_path / "a").parent.name == "prod"
    monkeypatch.delenv("XDG_STATE_HOME")
    assert state_dir_for(env, tmp_path).is_relative_to(Path.home() / ".local" / "state")


def test_generated_values_are_private_files_and_survive_a_restart(tmp_path: Path) -> None:
    env = environment({"db": {"generate": True}, "key": {"generate": True, "length": 40}})
    paths = materialize(env, state_dir=tmp_path / "s")
    assert set(paths) == {"db", "key"}
    for path in paths.values():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "s").stat().st_mode) == 0o700
    first = {name: read(path).get_secret_value() for name, path in paths.items()}
    assert len(first["db"]) == 24 and len(first["key"]) == 40 and first["db"] != first["key"]
    again = materialize(env, state_dir=tmp_path / "s")
    assert {name: read(path).get_secret_value() for name, path in again.items()} == first
    other = materialize(env, state_dir=tmp_path / "other")
    assert read(other["db"]).get_secret_value() != first["db"]


def test_a_loosened_mode_is_tightened_again(tmp_path: Path) -> None:
    env = environment({"db": {"generate": True}})
    path = materialize(env, state_dir=tmp_path)["db"]
    value = read(path).get_secret_value()
    path.chmod(0o644)
    assert materialize(env, state_dir=tmp_path)["db"] == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read(path).get_secret_value() == value


def test_env_and_file_sources_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_API_KEY", "from-the-environment")
    (tmp_path / "tls.key").write_text("from-a-file\n")
    env = environment({"api": {"env": "SHOP_API_KEY"}, "tls": {"file": str(tmp_path / "tls.key")}})
    paths = materialize(env, state_dir=tmp_path / "s")
    assert read(paths["api"]).get_secret_value() == "from-the-environment"
    assert read(paths["tls"]).get_secret_value() == "from-a-file"
    monkeypatch.setenv("SHOP_API_KEY", "rotated")
    assert read(materialize(env, state_dir=tmp_path / "s")["api"]).get_secret_value() == "rotated"


def test_unresolvable_sources_are_all_named_and_no_value_leaks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SHOP_MISSING", raising=False)
    monkeypatch.setenv("SHOP_EMPTY", "")
    env = environment(
        {
            "db": {"generate": True},
            "missing": {"env": "SHOP_MISSING"},
            "empty": {"env": "SHOP_EMPTY"},
            "cloud": {"aws": "shop/prod/db"},
            "gone": {"file": str(tmp_path / "nope.key")},
        }
    )
    with pytest.raises(ConfigError) as caught:
        materialize(env, state_dir=tmp_path / "s")
    error = caught.value
    assert error.message.splitlines() == [
        "secret `missing`: environment variable SHOP_MISSING is not set",
        "secret `empty`: environment variable SHOP_EMPTY is empty",
        "secret `cloud` comes from AWS (shop/prod/db), which a local replica does not read",
        f"secret `gone`: cannot read file {tmp_path / 'nope.key'}: No such file or directory",
    ]
    assert error.exit_code == 2 and error.hint and "generate: true" in error.hint
    generated = (tmp_path / "s" / "db").read_text()
    for text in (str(error), repr(error), str(error.hint)):
        assert generated not in text


def test_read_masks_the_value_and_explains_a_missing_file(tmp_path: Path) -> None:
    path = materialize(environment({"db": {"generate": True}}), state_dir=tmp_path)["db"]
    secret = read(path)
    assert secret.get_secret_value() not in (repr(secret), str(secret), f"{secret}")
    with pytest.raises(ConfigError, match="cannot be read") as caught:
        read(tmp_path / "absent")
    assert "inv up" in str(caught.value.hint)
