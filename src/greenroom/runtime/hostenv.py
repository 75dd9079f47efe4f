"""`inv env`: the variables a shell or direnv on the host needs to reach a replica.

Each kind gives its own (`host_env`): `DATABASE_URL`, `REDIS_URL`, `NATS_URL`, `AWS_ENDPOINT_URL`,
`<SERVICE>_URL`... The values hold the replica's credentials: they are printed in full whenever the
output goes to a pipe, a file or `eval`, and masked on a terminal unless asked for.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from collections.abc import Mapping, Sequence

from greenroom.components import parts
from greenroom.errors import ConfigError
from greenroom.progress import console
from greenroom.runtime.replica import Replica

FORMATS = ("export", "dotenv", "json")

_DOTENV_PLAIN = re.compile(r"[A-Za-z0-9_./:@%+,=-]*")


def host_env(replica: Replica, *, show_secrets: bool = False) -> dict[str, str]:
    """Every part's variables, parts in name order; a name two parts give keeps the first."""
    access = replica.access()
    found: dict[str, str] = {}
    for part in parts(replica.env).values():
        for name, value in part.host_env(access, show_secrets=show_secrets).items():
            found.setdefault(name, value)
    return found


def format_env(variables: Mapping[str, str], fmt: str = "export") -> str:
    """The variables as shell `export` lines (values shlex-quoted), a dotenv file, or JSON."""
    _check(fmt)
    if fmt == "export":
        lines = [f"export {name}={shlex.quote(value)}" for name, value in variables.items()]
    elif fmt == "dotenv":
        lines = [f"{name}={_dotenv_value(value)}" for name, value in variables.items()]
    else:
        return json.dumps(dict(variables), indent=2) + "\n"
    return "".join(line + "\n" for line in lines)


def _check(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ConfigError(
            f"unknown format {fmt!r} for the variables", hint="use --format export, dotenv or json"
        )


def _dotenv_value(value: str) -> str:
    """A value as dotenv parsers (Compose, direnv, python-dotenv) read it back: bare when safe,
    else single-quoted (literal in all of them), double-quoted only if it holds a `'`."""
    if _DOTENV_PLAIN.fullmatch(value):
        return value
    if "'" not in value:
        return f"'{value}'"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def print_env(
    env_name: str,
    *,
    fmt: str = "export",
    show_secrets: bool = False,
    overrides: Sequence[str] = (),
) -> None:
    """Print the replica's host variables; secrets in full unless stdout is a terminal."""
    _check(fmt)
    replica = Replica.open(env_name, overrides)
    shown = show_secrets or not sys.stdout.isatty()
    sys.stdout.write(format_env(host_env(replica, show_secrets=shown), fmt))
    sys.stdout.flush()
    if not shown:
        console.print(
            "secrets are masked on a terminal: pass --show-secrets to see them, or use "
            f'`eval "$(inv env {env_name})"` / `inv env {env_name} --format dotenv > .env`',
            soft_wrap=True,
        )


__all__ = ["FORMATS", "format_env", "host_env", "print_env"]
