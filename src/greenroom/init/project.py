"""`greenroom init`: find the compose file, translate it, check the result loads, then write it."""

from __future__ import annotations

import json
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from greenroom.errors import ConfigError, GreenroomError
from greenroom.init.entry import Mapped
from greenroom.init.secretbook import slug
from greenroom.init.starter import starter
from greenroom.init.translate import translate

COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
"""Where Compose itself looks, in its own order of preference."""
ENV_FILES = ("base.yaml", "dev.yaml")
_WARNING = re.compile(r'msg="(.*)"$')


@dataclass
class InitResult:
    """What `init` did: the compose file it read (None: a starter), the files, the mapping."""

    compose: Path | None
    written: list[Path]
    mapped: tuple[Mapped, ...] = ()
    project: tuple[str, ...] = ()
    warnings: list[str] = field(default_factory=list)

    def as_dict(self, root: Path) -> dict[str, Any]:
        """The summary `--json` prints."""
        return {
            "compose": _shown(self.compose, root) if self.compose else None,
            "written": [_shown(path, root) for path in self.written],
            "services": [m.as_dict() for m in self.mapped],
            "project": list(self.project),
            "attention": [f"{m.source}: {text}" for m in self.mapped for text in m.attention],
            "warnings": self.warnings,
        }


def find_compose(root: Path, given: str | None = None) -> Path | None:
    """The compose file named (must exist), else the first of Compose's default names in root."""
    if given:
        path = Path(given).expanduser()
        path = path if path.is_absolute() else Path.cwd() / path
        if not path.is_file():
            raise GreenroomError(
                f"compose file {given} does not exist",
                hint="pass the path of your compose file, e.g. --compose docker-compose.yml",
            )
        return path.resolve()
    return next((root / name for name in COMPOSE_FILES if (root / name).is_file()), None)


def init_project(
    root: Path | None = None,
    *,
    compose: str | None = None,
    force: bool = False,
    as_json: bool = False,
) -> InitResult:
    """Write envs/base.yaml and envs/dev.yaml for ``root`` (default: the current folder)."""
    from greenroom.tooling.compose import compose_config

    root = (root or Path.cwd()).resolve()
    targets = [root / "envs" / name for name in ENV_FILES]
    existing = [path for path in targets if path.exists()]
    if existing and not force:
        raise GreenroomError(
            f"{' and '.join(_shown(p, root) for p in existing)} already exist; nothing written",
            hint="pass --force to overwrite them (other files in envs/ are left alone)",
        )
    path = find_compose(root, compose)
    if path is None:
        base, dev = starter(slug(root.name))
        _check_loads(base, dev, None)
        result = InitResult(None, _write(root, base, dev))
    else:
        config, stderr = compose_config(path)
        shown = _shown(path, root)
        translation = translate(config, root=str(root), compose_file=shown)
        _check_loads(translation.base, translation.dev, shown)
        warnings = [_warning(line) for line in stderr if "level=warning" in line]
        result = InitResult(
            path,
            _write(root, translation.base, translation.dev),
            translation.mapped,
            translation.project,
            warnings,
        )
    _report(result, root, as_json)
    return result


def _warning(line: str) -> str:
    match = _WARNING.search(line)
    return match.group(1).replace('\\"', '"') if match else line


def _check_loads(base: str, dev: str, compose: str | None) -> None:
    """Load the files from a scratch folder with greenroom's own loader before writing them."""
    from greenroom.model import ModelError, load_from_dir

    with tempfile.TemporaryDirectory(prefix="greenroom-init-") as scratch:
        envs = Path(scratch) / "envs"
        envs.mkdir()
        (envs / "base.yaml").write_text(base, encoding="utf-8")
        (envs / "dev.yaml").write_text(dev, encoding="utf-8")
        try:
            load_from_dir(envs, "dev", root=Path(scratch), environ={})
        except ModelError as exc:
            source = compose or "the starter"
            raise ConfigError(
                f"{source} could not be translated into envs/ that load; nothing written",
                details="\n".join(map(str, exc.problems)),
                hint="each line names a setting of the would-be envs/base.yaml; change it in the "
                "compose file, or run `greenroom init` without a compose file for a starter",
            ) from None


def _write(root: Path, base: str, dev: str) -> list[Path]:
    from greenroom.model.schema import SCHEMA_FILE, schema_text

    envs = root / "envs"
    envs.mkdir(exist_ok=True)
    files = {envs / "base.yaml": base, envs / "dev.yaml": dev}
    if not (envs / SCHEMA_FILE).exists():
        files[envs / SCHEMA_FILE] = schema_text()
    for path, text in files.items():
        partial = path.with_name(path.name + ".partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    ignored = _ignore_workdir(root)
    return [*files, *([ignored] if ignored else [])]


def _ignore_workdir(root: Path) -> Path | None:
    """Add greenroom's work dir (rendered projects, reports, the ledger) to .gitignore, once."""
    from greenroom.paths import WORKDIR_NAME

    path = root / ".gitignore"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    wanted = f"/{WORKDIR_NAME}/"
    if any(
        line.strip() in {wanted, f"{WORKDIR_NAME}/", WORKDIR_NAME} for line in text.splitlines()
    ):
        return None
    prefix = "" if not text or text.endswith("\n") else "\n"
    path.write_text(text + prefix + wanted + "\n", encoding="utf-8")
    return path


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _report(result: InitResult, root: Path, as_json: bool) -> None:
    if as_json:
        json.dump(result.as_dict(root), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    written = ", ".join(_shown(p, root) for p in result.written)
    if result.compose is None:
        looked = ", ".join(COMPOSE_FILES)
        console.print(f"no compose file in {root} (looked for {looked})")
        console.print(f"wrote a commented starter: {written}")
        console.print("next: describe your services in envs/base.yaml, then `inv render dev`")
        return
    table = Table(title=f"{_shown(result.compose, root)} -> envs/", title_justify="left")
    for column in ("compose", "greenroom", "kind", "zone", "notes"):
        table.add_column(column, no_wrap=column != "notes")
    for m in result.mapped:
        lines = [f"[bold yellow]![/] {escape(t)}" for t in m.attention] + [
            escape(t) for t in m.notes
        ]
        table.add_row(escape(m.source), escape(m.target), m.kind, m.zone, "\n".join(lines))
    console.print(table)
    for note in result.project:
        console.print(escape(note))
    for warning in result.warnings:
        console.print(f"compose warned: {escape(warning)}")
    attention = sum(len(m.attention) for m in result.mapped)
    console.print(f"wrote {written}")
    if attention:
        console.print(f"{attention} item(s) marked ! need attention; then `inv render dev`")
    else:
        console.print("next: `inv render dev`, then `inv up dev`")
