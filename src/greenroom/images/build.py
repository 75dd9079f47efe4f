"""A service's image from its own Dockerfile, built on a machine with no registry.

The Dockerfile is built as written: missing base images are stood in for by local ones under the
names it asks for (``images.bases``), pip reaches the host's index through a proxy that lives only
as long as the build (``images.pipproxy``), and a build whose inputs are unchanged is skipped (its
content key is an image label). A folder following the wheelhouse contract (``images.appimage``)
keeps being built that way.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from greenroom.errors import ImageError
from greenroom.images import engine, registry
from greenroom.images.appimage import build_app_image
from greenroom.images.bases import Base, resolve, standing_in
from greenroom.images.context import context_digest
from greenroom.images.keys import KEY_LABEL, SOURCE_LABEL, content_key
from greenroom.images.pipproxy import IndexProxy, serving
from greenroom.images.stages import Dockerfile, instructions, parse
from greenroom.model.types import BuildSpec

BASES_LABEL = "greenroom.base-images"
"""Which local image stood in for each FROM image, as JSON: what a person checks first."""
PIP_ARGS = ("PIP_INDEX_URL", "PIP_TRUSTED_HOST")
SOURCE = "dockerfile"


def as_build_spec(build: str | BuildSpec) -> BuildSpec:
    """Either form of a service's ``build:`` as a BuildSpec (a folder is its context)."""
    return build if isinstance(build, BuildSpec) else BuildSpec(context=build)


def uses_wheelhouse(context: Path, spec: BuildSpec) -> bool:
    """The wheelhouse contract: a plain Dockerfile with a global ``ARG BASE_IMAGE`` and a lock."""
    dockerfile = context / spec.dockerfile
    if spec.dockerfile != "Dockerfile" or spec.target or spec.args:
        return False
    if not (context / "requirements.lock").is_file() or not dockerfile.is_file():
        return False
    for ins in instructions(dockerfile.read_text()):
        if ins.keyword == "FROM":
            return False
        if ins.keyword == "ARG" and ins.args.split("=", 1)[0].strip() == "BASE_IMAGE":
            return True
    return False


def build_key(digest: str, dockerfile: str, spec: BuildSpec, bases: Sequence[Base]) -> str:
    """Everything a build depends on: the files sent, the Dockerfile, target, args, base IDs."""
    return content_key(
        context=digest,
        dockerfile=dockerfile,
        dockerfile_path=spec.dockerfile,
        target=spec.target or "",
        args=dict(spec.args),
        bases={base.asked: base.image_id for base in bases},
    )


def build_service_image(
    root: Path,
    service_name: str,
    build: str | BuildSpec,
    tag: str,
    *,
    base_images: Mapping[str, str] | None = None,
    force: bool = False,
    reachable: Callable[[], bool] = registry.reachable,
) -> str:
    """Build service ``service_name``'s image as ``tag``; its image ID (``sha256:...``).

    ``build`` is the service's ``build:`` (a folder or a BuildSpec, relative to ``root``);
    ``base_images`` the model's stand-ins. Unchanged inputs return the existing image unbuilt:
    ``build_service_image(root, "web", env.services["web"].build, "greenroom-app/team-web:latest",
    base_images=env.base_images)``.
    """
    spec = as_build_spec(build)
    context = Path(root) / spec.context
    dockerfile = context / spec.dockerfile
    origin = _shown(dockerfile, Path(root))
    if not context.is_dir():
        raise ImageError(
            f"service {service_name}: the build context {spec.context} is not a folder",
            hint=f"create {context}, or point services.{service_name}.build at an existing folder",
        )
    if not dockerfile.is_file():
        raise ImageError(
            f"service {service_name}: {origin} does not exist",
            hint=f"add it, or set services.{service_name}.build.dockerfile to the Dockerfile's "
            "path inside the context",
        )
    if uses_wheelhouse(context, spec):
        return build_app_image(context, tag, force=force)
    text = dockerfile.read_text()
    parsed = parse(text, origin, spec.args)
    bases = resolve(
        parsed.external(spec.target), origin, base_images=base_images or {}, reachable=reachable
    )
    key = build_key(context_digest(context), text, spec, bases)
    existing = engine.inspect_image(tag)
    labels = ((existing or {}).get("Config") or {}).get("Labels") or {}
    if existing and not force and labels.get(KEY_LABEL) == key:
        return str(existing["Id"])
    pip = parsed.runs_pip(spec.target) and not set(PIP_ARGS) & set(spec.args)
    with (
        standing_in(bases),
        _index(pip) as proxy,
        _staged(text, parsed, proxy) as staged,
    ):
        return engine.build(
            context,
            tag,
            dockerfile=staged or dockerfile,
            target=spec.target,
            build_args={**spec.args, **(proxy.build_args() if proxy else {})},
            labels={
                KEY_LABEL: key,
                SOURCE_LABEL: SOURCE,
                BASES_LABEL: json.dumps(
                    {b.asked: b.stand_in for b in bases if b.stand_in}, sort_keys=True
                ),
            },
        )


def _shown(path: Path, root: Path) -> str:
    """``web/Dockerfile`` for a file under the project root, else the full path."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


@contextlib.contextmanager
def _index(wanted: bool) -> Iterator[IndexProxy | None]:
    if not wanted:
        yield None
        return
    with serving(engine.bridge_gateway()) as proxy:
        yield proxy


@contextlib.contextmanager
def _staged(text: str, parsed: Dockerfile, proxy: IndexProxy | None) -> Iterator[Path | None]:
    """The Dockerfile with the pip arguments declared in each stage, outside the context."""
    if proxy is None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="greenroom-dockerfile-") as tmp:
        staged = Path(tmp) / "Dockerfile"
        staged.write_text(declare_pip_args(text, parsed))
        yield staged


def declare_pip_args(text: str, parsed: Dockerfile) -> str:
    """``text`` with ``ARG PIP_INDEX_URL`` and ``ARG PIP_TRUSTED_HOST`` after each FROM."""
    lines = text.splitlines()
    for stage in sorted(parsed.stages, key=lambda s: -s.header_end):
        lines[stage.header_end : stage.header_end] = [f"ARG {name}" for name in PIP_ARGS]
    return "\n".join(lines) + "\n"
