"""Configuration from the environment only; a secret arrives as a file named by `<VAR>_FILE`."""

from __future__ import annotations

import os
from pathlib import Path


def secret(var: str) -> str | None:
    """`VAR`'s value, read from the file `VAR_FILE` names when there is one."""
    path = os.environ.get(f"{var}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(var)


def need(var: str) -> str:
    value = os.environ.get(var)
    if not value:
        raise SystemExit(f"{var} is not set; the env file gives it to this service")
    return value


def load_postgres_password() -> None:
    """libpq reads PGHOST, PGPORT, PGUSER and PGDATABASE itself, and PGPASSWORD once it is set from
    its file; psycopg then connects with an empty conninfo."""
    password = secret("PGPASSWORD")
    if password:
        os.environ["PGPASSWORD"] = password


def nats_options() -> dict[str, object]:
    options: dict[str, object] = {"servers": [need("NATS_URL")], "max_reconnect_attempts": -1}
    token = secret("NATS_TOKEN")
    if token:
        options["token"] = token
    return options
