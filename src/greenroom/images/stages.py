"""A Dockerfile's stages and the images they start from, read the way the builder reads them.

Only what decides which images a build needs is interpreted: parser directives, global ``ARG``
defaults (and the build arguments overriding them), ``FROM [--platform=...] image [AS name]``,
``COPY --from=image`` and whether a ``RUN`` calls pip. Every line number is the one a person sees.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field

from greenroom.errors import ImageError

SCRATCH = "scratch"
_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z]+)\s*=\s*(.+?)\s*$")
_VARIABLE = re.compile(
    r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))"
)
_PIP = re.compile(r"(?<![\w.-])pip(?:3(?:\.\d+)?)?(?![\w.-])")


@dataclass(frozen=True)
class Instruction:
    """One instruction: its keyword in capitals, its arguments, and the line it starts on."""

    keyword: str
    args: str
    line: int
    last_line: int


@dataclass(frozen=True)
class ImageUse:
    """An image the build starts from or copies out of, as the Dockerfile names it."""

    ref: str
    line: int
    written: str
    """The instruction as written, for messages: `FROM node:20 AS web`."""


@dataclass
class Stage:
    """One ``FROM`` and what follows it up to the next."""

    index: int
    name: str | None
    base: str
    """The image after ARG substitution: an external reference, an earlier stage, or scratch."""
    line: int
    header_end: int
    """The last line of the FROM instruction (it may continue over several)."""
    written: str
    copies_from: list[ImageUse] = field(default_factory=list)
    runs_pip: bool = False


@dataclass(frozen=True)
class Dockerfile:
    """The stages of a Dockerfile and the origin its messages name (`web/Dockerfile`)."""

    origin: str
    stages: tuple[Stage, ...]

    def upto(self, target: str | None) -> tuple[Stage, ...]:
        """The stages a build of ``target`` runs: all of them up to it (the last when None)."""
        if target is None:
            return self.stages
        for stage in self.stages:
            if stage.name == target.lower():
                return self.stages[: stage.index + 1]
        named = [s.name for s in self.stages if s.name]
        raise ImageError(
            f"{self.origin}: no stage named {target!r} (target)",
            hint=f"set target to one of its stages ({', '.join(named) or 'none is named'}), or "
            "name one with `FROM <image> AS <name>`",
        )

    def external(self, target: str | None = None) -> list[ImageUse]:
        """The images the build of ``target`` needs from outside the Dockerfile, in order."""
        uses: list[ImageUse] = []
        names: set[str] = set()
        stages = self.upto(target)
        for stage in stages:
            if stage.base != SCRATCH and stage.base.lower() not in names:
                uses.append(ImageUse(stage.base, stage.line, stage.written))
            uses += [u for u in stage.copies_from if not _is_stage(u.ref, names, stage.index)]
            if stage.name:
                names.add(stage.name)
        return uses

    def runs_pip(self, target: str | None = None) -> bool:
        """Does any stage of the build call pip in a RUN?"""
        return any(stage.runs_pip for stage in self.upto(target))


def _is_stage(ref: str, names: set[str], index: int) -> bool:
    return ref.lower() in names or (ref.isdigit() and int(ref) < index)


def instructions(text: str) -> list[Instruction]:
    """The instructions of ``text``: continuations joined, comments dropped, directives obeyed."""
    escape = "\\"
    lines = text.splitlines()
    found: list[Instruction] = []
    current: list[str] = []
    start = 0
    directives = True
    for number, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if directives:
            match = _DIRECTIVE.match(stripped)
            if match and match.group(1).lower() == "escape":
                escape = match.group(2)
                continue
            if match:
                continue
            directives = False
        if stripped.startswith("#") or (not current and not stripped):
            continue
        if not current:
            start = number
        if stripped.endswith(escape) and len(escape) == 1:
            current.append(stripped[:-1].strip())
            continue
        current.append(stripped)
        found.append(_instruction(current, start, number))
        current = []
    if current:
        found.append(_instruction(current, start, len(lines)))
    return found


def _instruction(parts: list[str], line: int, last_line: int) -> Instruction:
    keyword, _, args = " ".join(p for p in parts if p).partition(" ")
    return Instruction(keyword.upper(), args.strip(), line, last_line)


def substitute(text: str, values: Mapping[str, str]) -> str:
    """``$NAME``, ``${NAME}``, ``${NAME:-default}`` and ``${NAME:+alternative}`` as Docker does."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(4)
        value = values.get(name)
        operator, word = match.group(2), match.group(3) or ""
        if operator in (":-", "-"):
            unset = value is None or (operator == ":-" and value == "")
            return word if unset else str(value)
        if operator in (":+", "+"):
            present = value is not None and (operator == "+" or value != "")
            return word if present else ""
        return value or ""

    return _VARIABLE.sub(one, text)


def parse(text: str, origin: str, build_args: Mapping[str, str] | None = None) -> Dockerfile:
    """Read a Dockerfile's stages; ``origin`` is how messages name it (`web/Dockerfile`)."""
    build_args = build_args or {}
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for ins in instructions(text):
        where = f"{origin}:{ins.line}"
        if ins.keyword == "ARG" and not stages:
            for name, default in _arg_pairs(ins.args):
                value = build_args.get(name, default)
                if value is not None:
                    global_args[name] = substitute(value, global_args)
                else:
                    global_args.pop(name, None)
        elif ins.keyword == "FROM":
            stages.append(_stage(ins, len(stages), global_args, where))
        elif not stages:
            raise ImageError(
                f"{where}: {ins.keyword} comes before the first FROM",
                hint="a Dockerfile starts with FROM (only ARG may come before it)",
            )
        else:
            stage = stages[-1]
            if ins.keyword == "COPY":
                image = _copy_from(ins.args)
                if image:
                    written = f"COPY {ins.args}"
                    stage.copies_from.append(ImageUse(image, ins.line, written))
            elif ins.keyword == "RUN" and _PIP.search(ins.args):
                stage.runs_pip = True
    if not stages:
        raise ImageError(f"{origin}: no FROM instruction", hint="start the Dockerfile with FROM")
    return Dockerfile(origin, tuple(stages))


def _arg_pairs(args: str) -> list[tuple[str, str | None]]:
    pairs: list[tuple[str, str | None]] = []
    for word in shlex.split(args):
        name, sep, default = word.partition("=")
        pairs.append((name, default if sep else None))
    return pairs


def _stage(ins: Instruction, index: int, global_args: Mapping[str, str], where: str) -> Stage:
    words = [w for w in ins.args.split() if not w.startswith("--")]
    name = None
    if len(words) == 3 and words[1].upper() == "AS":
        name = words[2].lower()
    elif len(words) != 1:
        raise ImageError(
            f"{where}: FROM {ins.args}: expected `FROM <image> [AS <name>]`",
            hint="give one image, optionally followed by AS and a stage name",
        )
    image = substitute(words[0], global_args)
    if not image:
        raise ImageError(
            f"{where}: FROM {ins.args}: the image is empty after ARG substitution",
            hint=f"give {words[0]} a default in an ARG before the first FROM, or pass it in "
            "the service's build args",
        )
    written = f"FROM {ins.args}"
    return Stage(index, name, image, ins.line, ins.last_line, written)


def _copy_from(args: str) -> str | None:
    for word in args.split():
        if not word.startswith("--"):
            return None
        if word.startswith("--from="):
            return word.removeprefix("--from=")
    return None
