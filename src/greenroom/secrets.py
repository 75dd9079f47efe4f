"""Secret values for replicas: resolved from their declared source into 0600 files outside the repo.

The model only says where a value comes from; this module is the one place that touches values,
and no error it raises ever contains one.
"""

from __future__ import annotations

import hashlib
import os
import secrets as random
from collections.abc import Mapping
from pathlib import Path

from pydantic import SecretStr

from greenroom.errors import ConfigError
from greenroom.model.environment import Environment
from greenroom.model.types import SecretSource

_GENERATED = ".generated"


def state_dir_for(env: Environment, root: Path) -> Path:
    """Where ``env``'s secret files live: per user, per checkout, per environment, outside the repo.

    `$XDG_STATE_HOME/greenroom/<project>-<hash of the checkout path>/<env>/secrets`, with
    `~/.local/state` when XDG_STATE_HOME is unset; two checkouts never share values.
    """
    base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:12]
    return base / "greenroom" / f"{env.project}-{digest}" / env.name / "secrets"


class _Unresolvable(Exception):
    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def _generated(path: Path, length: int) -> str:
    """The value generated earlier for this file, or a new one: restarts keep their passwords."""
    marker = path.with_name(path.name + _GENERATED)
    if marker.exists() and path.is_file():
        value = path.read_text(encoding="utf-8")
        if len(value) == length:
            return value
    marker.touch(mode=0o600)
    return random.token_urlsafe(length)[:length]


def _resolve(name: str, source: SecretSource, path: Path) -> str:
    if source.generate:
        return _generated(path, source.length)
    path.with_name(path.name + _GENERATED).unlink(missing_ok=True)
    replica = f"for a replica, use --set 'secrets.{name}=!reset {{generate: true}}'"
    if source.env:
        value = os.environ.get(source.env)
        if not value:
            state = "is empty" if value == "" else "is not set"
            raise _Unresolvable(
                f"secret `{name}`: environment variable {source.env} {state}",
                f"export {source.env} before running greenroom, or {replica}",
            )
        return value
    if source.file:
        file = Path(source.file).expanduser()
        try:
            value = file.read_text(encoding="utf-8").removesuffix("\n")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not UTF-8 text"
            raise _Unresolvable(
                f"secret `{name}`: cannot read file {file}: {reason}",
                f"create {file} (mode 0600) holding the value, or {replica}",
            ) from None
        if not value:
            raise _Unresolvable(
                f"secret `{name}`: file {file} is empty", f"put the value in {file}, or {replica}"
            )
        return value
    raise _Unresolvable(
        f"secret `{name}` comes from AWS ({source.aws}), which a local replica does not read",
        f"real targets resolve aws: sources at deploy time; {replica}",
    )


def _write(path: Path, value: str) -> None:
    """Replace ``path`` atomically with a file only its owner can read."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.unlink(missing_ok=True)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value)
    os.chmod(temp, 0o600)
    os.replace(temp, path)


def materialize(env: Environment, *, state_dir: Path) -> dict[str, Path]:
    """Resolve every secret ``env`` declares and write each to a 0600 file; name -> path.

    `generate` values persist across calls; `env` and `file` values are re-read each time; `aws`
    sources cannot be resolved for a local replica. All problems are reported together.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    for folder in (state_dir, *state_dir.parents[:2]):
        os.chmod(folder, 0o700)
    paths: dict[str, Path] = {}
    failures: list[_Unresolvable] = []
    for name, source in env.secrets.items():
        path = state_dir / name
        try:
            value = _resolve(name, source, path)
        except _Unresolvable as exc:
            failures.append(exc)
            continue
        _write(path, value)
        paths[name] = path
    if failures:
        raise ConfigError(
            "\n".join(f.message for f in failures),
            hint="; ".join(dict.fromkeys(f.hint for f in failures)),
        )
    return paths


def read(path: Path) -> SecretStr:
    """A materialized secret's value, masked in reprs and logs."""
    try:
        return SecretStr(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(
            f"secret file {path} cannot be read: {exc.strerror}",
            hint="run `inv up <env>` (or greenroom.secrets.materialize) to write the secret files",
        ) from None


ENV_FILE = "compose.env"


def variable(name: str) -> str:
    """The variable a Compose project reads a declared secret from: `GREENROOM_SECRET_<NAME>`."""
    return "GREENROOM_SECRET_" + name.upper().replace("-", "_")


def write_env_file(paths: Mapping[str, Path], state_dir: Path) -> Path:
    """One 0600 env file (outside the repo) from which Compose copies the secrets into containers.

    Compose reads it with `--env-file`; the rendered project names only the variables.
    """
    lines = []
    for name, path in sorted(paths.items()):
        value = read(path).get_secret_value()
        if "'" in value or "\n" in value:
            raise ConfigError(
                f"secret `{name}` holds a quote or newline, which a Compose env file cannot carry",
                hint=f"give `{name}` a value without ' and newlines",
            )
        lines.append(f"{variable(name)}='{value}'\n")
    target = state_dir / ENV_FILE
    _write(target, "".join(lines))
    return target
