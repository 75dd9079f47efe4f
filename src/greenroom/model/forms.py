"""Values the model hands verbatim to Compose, the engine or a service, refused at load time.

Each form is what the receiving program accepts (verified against Compose v2 and the Docker
engine), so a value that passes the model never fails later in `docker compose config` or `up`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

MEMORY = r"^\d+(\.\d+)?([bBkKmMgG]|[kKmMgG]([bB]|[iI][bB]))?$"
"""Compose's sizes (go-units RAMInBytes): 512m, 2g, 1.5g, 2GB, 2GiB; binary multiples."""
_MEMORY = re.compile(MEMORY)
_MULTIPLE = {"b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
MIN_MEMORY = 6 * 1024**2
"""The Docker engine refuses smaller memory limits ("Minimum memory limit allowed is 6MB")."""
_MAX_BYTES = 2**63 - 1
MIN_CPUS = 0.01
"""The Docker engine's smallest CPU share."""

ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_.-]*$"

_ALNUM = r"[a-z0-9]+"
_PATH_COMPONENT = rf"{_ALNUM}(?:(?:[._]|__|-+){_ALNUM})*"
_DOMAIN_COMPONENT = r"(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[0-9A-Fa-f:.]+\])(?::\d+)?"
TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
IMAGE = rf"^(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*(?::{TAG})?(?:@{_DIGEST})?$"
"""Docker's reference grammar (distribution/reference): [registry/]name[:tag][@digest]."""
_IMAGE = re.compile(IMAGE)


def _matching(pattern: str, problem: str) -> Callable[[str], str]:
    """A check that a text matches ``pattern``, else the error ``'<text>' <problem>``."""
    compiled = re.compile(pattern)

    def check(text: str) -> str:
        if not compiled.match(text):
            raise ValueError(f"{text!r} {problem}")
        return text

    return check


def _whole_number_as_text(value: Any) -> Any:
    """`memory: 1073741824` reads as a number; Compose wants the same digits as text."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def memory_bytes(text: str) -> int:
    """The bytes a size Compose accepts stands for: '512m' -> 536870912."""
    match = _MEMORY.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a size")
    unit = (match.group(2) or "b")[0].lower()
    return int(float(text[: match.start(2)] if match.group(2) else text) * _MULTIPLE[unit])


def _memory(text: str) -> str:
    accepted = "use a number with b, k, m or g: 512m, 2g"
    match = _MEMORY.match(text)
    if match is None:
        binary = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmMgG])[iI]", text)
        hint = f"; did you mean '{binary[1]}{binary[2].lower()}'?" if binary else ""
        raise ValueError(f"{text!r} is not a size Compose accepts; {accepted}{hint}")
    size = memory_bytes(text)
    if size < MIN_MEMORY:
        hint = (
            f"; a number without a unit is bytes: did you mean '{text}m'?"
            if match.group(2) is None and size > 0
            else "; leave memory out for no limit"
        )
        raise ValueError(f"{text!r} is below 6m, the smallest memory limit Docker accepts{hint}")
    if size > _MAX_BYTES:
        raise ValueError(f"{text!r} is more memory than Docker can limit to; {accepted}")
    return text


MemorySize = Annotated[
    str,
    BeforeValidator(_whole_number_as_text),
    AfterValidator(_memory),
    Field(json_schema_extra={"pattern": MEMORY}, examples=["512m", "2g"]),
]
"""A memory limit as Compose and the engine accept it."""


def _cpus(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(
            f"YAML reads this as the boolean {str(value).lower()}; "
            "use a decimal number of CPUs: 0.5, 2"
        )
    return value


def _cpu_share(value: float) -> float:
    if not math.isfinite(value) or value < MIN_CPUS:
        raise ValueError(
            f"{value!r} is not a CPU share Docker accepts; use a decimal number of at least "
            f"{MIN_CPUS}: 0.5, 2"
        )
    return value


CpuShare = Annotated[
    float,
    BeforeValidator(_cpus),
    AfterValidator(_cpu_share),
    Field(json_schema_extra={"minimum": MIN_CPUS}, examples=[0.5, 2]),
]
"""`deploy.resources.limits.cpus`: a finite decimal, at least the engine's smallest share."""


_env_name = _matching(
    ENV_NAME,
    (
        "is not a variable name a container receives intact; use letters, digits, _ . or -, "
        "starting with a letter or _: LOG_LEVEL, discovery.type"
    ),
)


EnvName = Annotated[str, AfterValidator(_env_name), Field(json_schema_extra={"pattern": ENV_NAME})]
"""An environment variable name: no `=`, spaces or `$`, which would split or interpolate it."""


def _image(ref: str) -> str:
    first, _, rest = ref.partition("/")
    registry = bool(rest) and ("." in first or ":" in first or first == "localhost")
    name = re.split(r"[:@]", rest if registry else ref, maxsplit=1)[0]
    if name == name.lower() and _IMAGE.match(ref):
        return ref
    detail = "the name must be lowercase; " if name != name.lower() else ""
    raise ValueError(
        f"{ref!r} is not an image reference Docker accepts; {detail}use "
        "[registry/]name[:tag][@digest]: nginx:1.27, ghcr.io/acme/api:v2"
    )


ImageRef = Annotated[
    str, AfterValidator(_image), Field(json_schema_extra={"pattern": IMAGE}, max_length=255)
]
"""An image reference as `docker pull` and Compose accept it."""


_FOLDER_NAME = re.compile(rf"^{_PATH_COMPONENT}$")


def check_build_context(folder: str) -> str:
    """A folder inside the project whose name can be part of an image name, or ValueError."""
    parts = folder.split("/")
    if folder.startswith("/") or ".." in parts:
        raise ValueError(
            f"{folder!r} is outside the project; give a folder inside it, relative to its root: "
            "app, services/api"
        )
    name = next((p for p in reversed(parts) if p not in ("", ".")), None)
    if name is not None and not _FOLDER_NAME.match(name):
        raise ValueError(
            f"{folder!r} cannot name an image: its folder name becomes part of the app image's "
            "name, which Docker wants in lowercase letters and digits joined by . _ or -: "
            "services/api, app"
        )
    return folder


BuildContext = Annotated[str, AfterValidator(check_build_context)]
"""A build folder of the project; its name becomes part of the app image's name."""


def _dockerfile_path(path: str) -> str:
    parts = path.split("/")
    if not path or path.startswith("/") or ".." in parts or path.endswith("/"):
        raise ValueError(
            f"{path!r} is not a file inside the build context; give its path relative to the "
            "context: Dockerfile, docker/prod.Dockerfile"
        )
    return path


DockerfilePath = Annotated[str, AfterValidator(_dockerfile_path)]
"""A Dockerfile inside the build context, relative to it (the builder only sees the context)."""

STAGE_NAME = r"^[A-Za-z_][A-Za-z0-9_.-]*$"
StageName = Annotated[str, Field(pattern=STAGE_NAME, max_length=128)]
"""A build stage named with `FROM ... AS <name>` (what `docker build --target` accepts)."""

BASE_PATTERN = r"^[a-z0-9*?][a-z0-9._/:*?@-]*$"


_base_pattern = _matching(
    BASE_PATTERN,
    (
        "is not an image name pattern; use a name as a Dockerfile's FROM writes it, with * for any "
        "part: node:20, node:*, myorg/*"
    ),
)


BaseImagePattern = Annotated[
    str, AfterValidator(_base_pattern), Field(json_schema_extra={"pattern": BASE_PATTERN})
]
"""A FROM image name, `*` and `?` as wildcards; a name without a tag matches all its tags."""


REDIS_MEMORY = r"^\d+([bB]|[kKmMgG][bB]?)?$"
"""What redis-server's memtoll reads: whole bytes, k/m/g (powers of 1000) or kb/mb/gb (of 1024)."""


_redis_memory = _matching(
    REDIS_MEMORY,
    ("is not a size redis-server accepts; use a whole number with b, kb, mb or gb: 256mb, 1gb"),
)


RedisMemory = Annotated[
    str,
    BeforeValidator(_whole_number_as_text),
    AfterValidator(_redis_memory),
    Field(json_schema_extra={"pattern": REDIS_MEMORY}, examples=["256mb", "1gb"]),
]
"""`--maxmemory` as redis-server parses it (for the Redis spec's max_memory)."""

SETTING_NAME = r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$"


_setting_name = _matching(
    SETTING_NAME,
    (
        "is not a PostgreSQL setting name; use a postgresql.conf name, or extension.name for an "
        "extension's: work_mem, pg_stat_statements.max"
    ),
)


SettingName = Annotated[
    str, AfterValidator(_setting_name), Field(json_schema_extra={"pattern": SETTING_NAME})
]
"""A postgresql.conf parameter name, passed as `-c name=value` (for the Postgres spec)."""
