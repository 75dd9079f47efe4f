"""Recipe Dockerfiles read as data: the image config they declare and the files they COPY.

Local builds assemble images straight from a package layer (``docker load``), so a recipe's
Dockerfile is interpreted here rather than run by a builder. Only instructions that set metadata or
copy recipe files are allowed; anything that runs code belongs in the recipe's ``setup.sh``.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any

from greenroom.errors import ConfigError

_IGNORED = {"ARG", "FROM"}
_METADATA = {
    "ENV",
    "WORKDIR",
    "VOLUME",
    "EXPOSE",
    "STOPSIGNAL",
    "ENTRYPOINT",
    "CMD",
    "USER",
    "LABEL",
}


@dataclass
class Recipe:
    """What a recipe Dockerfile asks for: config changes in order, and (source, dest) copies."""

    changes: list[tuple[str, str]] = field(default_factory=list)
    copies: list[tuple[str, str]] = field(default_factory=list)
    adds_layer: bool = False


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuations joined, comments and blank lines dropped."""
    found: list[tuple[str, str]] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            current += line[:-1].strip() + " "
            continue
        current += line
        keyword, _, args = current.strip().partition(" ")
        found.append((keyword.upper(), args.strip()))
        current = ""
    if current.strip():
        keyword, _, args = current.strip().partition(" ")
        found.append((keyword.upper(), args.strip()))
    return found


def parse(text: str, origin: str = "Dockerfile") -> Recipe:
    """Read a recipe Dockerfile; RUN and other build-time instructions are refused with the fix."""
    recipe = Recipe()
    for keyword, args in instructions(text):
        if keyword in _IGNORED:
            continue
        if keyword == "ADD" and args.split() == ["layer.tar", "/"]:
            recipe.adds_layer = True
        elif keyword == "COPY" and not args.startswith("--"):
            *sources, dest = shlex.split(args)
            recipe.copies += [(src, dest) for src in sources]
        elif keyword in _METADATA:
            recipe.changes.append((keyword, args))
        else:
            raise ConfigError(
                f"{origin}: {keyword} is not supported in an image recipe",
                hint="recipes only set metadata and COPY files; put commands in the recipe's "
                "setup.sh (it runs in the chroot after the packages are installed)",
            )
    return recipe


def apply(config: dict[str, Any], changes: list[tuple[str, str]]) -> dict[str, Any]:
    """The image config after ``changes``, starting from the parent's (Docker's inheritance)."""
    out: dict[str, Any] = json.loads(json.dumps(config))
    for keyword, args in changes:
        if keyword == "ENV":
            env = dict(item.split("=", 1) for item in out.get("Env") or [])
            env.update(_pairs(args))
            out["Env"] = [f"{k}={v}" for k, v in env.items()]
        elif keyword == "LABEL":
            out["Labels"] = {**(out.get("Labels") or {}), **_pairs(args)}
        elif keyword == "WORKDIR":
            out["WorkingDir"] = args
        elif keyword == "USER":
            out["User"] = args
        elif keyword == "STOPSIGNAL":
            out["StopSignal"] = args
        elif keyword == "EXPOSE":
            ports = out.get("ExposedPorts") or {}
            for port in args.split():
                ports[port if "/" in port else f"{port}/tcp"] = {}
            out["ExposedPorts"] = ports
        elif keyword == "VOLUME":
            volumes = out.get("Volumes") or {}
            for path in _words(args):
                volumes[path] = {}
            out["Volumes"] = volumes
        elif keyword == "ENTRYPOINT":
            out["Entrypoint"] = _command(args)
            out["Cmd"] = None
        elif keyword == "CMD":
            out["Cmd"] = _command(args)
    return out


def _pairs(args: str) -> dict[str, str]:
    words = shlex.split(args)
    if len(words) >= 2 and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}
    return dict(word.split("=", 1) for word in words)


def _words(args: str) -> list[str]:
    if args.startswith("["):
        return [str(word) for word in json.loads(args)]
    return args.split()


def _command(args: str) -> list[str]:
    if args.startswith("["):
        return [str(word) for word in json.loads(args)]
    return ["/bin/sh", "-c", args]
