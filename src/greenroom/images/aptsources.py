"""The Debian mirror this machine already uses, read from apt's own sources, never hard-coded.

Both formats are understood: one-line (``deb [opts] URI SUITE COMPONENTS``) in ``sources.list`` and
``*.list``, and deb822 stanzas (``Types:``/``URIs:``/``Suites:``) in ``*.sources``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from greenroom.errors import ImageError

APT_DIR = Path("/etc/apt")

_OPTIONS_RE = re.compile(r"^\[([^\]]*)\]\s*")


@dataclass(frozen=True)
class AptSource:
    """One (type, URI, suite) triple from apt's configuration."""

    type: str
    uri: str
    suite: str
    components: tuple[str, ...]
    origin: str

    @property
    def is_security(self) -> bool:
        """Security archives carry only updates, never a full release to bootstrap from."""
        return "security" in self.suite or self.uri.rstrip("/").endswith("-security")


def parse_one_line(text: str, origin: str = "sources.list") -> list[AptSource]:
    """Parse the classic one-line format; comments, blank lines and deb-src are kept out."""
    found: list[AptSource] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        kind, _, rest = line.partition(" ")
        rest = _OPTIONS_RE.sub("", rest.strip())
        fields = rest.split()
        if kind not in ("deb", "deb-src") or len(fields) < 2:
            continue
        uri, suite, *components = fields
        found.append(AptSource(kind, uri, suite, tuple(components), origin))
    return found


def parse_deb822(text: str, origin: str = "debian.sources") -> list[AptSource]:
    """Parse deb822 stanzas; ``Enabled: no`` stanzas and continuation lines are honoured."""
    found: list[AptSource] = []
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        key = ""
        for raw in stanza.splitlines():
            if raw.lstrip().startswith("#"):
                continue
            if raw[:1] in (" ", "\t") and key:
                fields[key] += " " + raw.strip()
                continue
            key, sep, value = raw.partition(":")
            if not sep:
                key = ""
                continue
            key = key.strip().lower()
            fields[key] = value.strip()
        if fields.get("enabled", "yes").lower() == "no":
            continue
        components = tuple(fields.get("components", "").split())
        for kind in fields.get("types", "").split():
            for uri in fields.get("uris", "").split():
                for suite in fields.get("suites", "").split():
                    found.append(AptSource(kind, uri, suite, components, origin))
    return found


def read_sources(apt_dir: Path = APT_DIR) -> list[AptSource]:
    """Every source apt would use, in apt's own reading order."""
    found: list[AptSource] = []
    main_list = apt_dir / "sources.list"
    if main_list.is_file():
        found += parse_one_line(main_list.read_text(errors="replace"), str(main_list))
    parts = apt_dir / "sources.list.d"
    if parts.is_dir():
        for path in sorted(parts.iterdir()):
            if path.suffix == ".list":
                found += parse_one_line(path.read_text(errors="replace"), str(path))
            elif path.suffix == ".sources":
                found += parse_deb822(path.read_text(errors="replace"), str(path))
    return found


def debian_mirror(sources: Iterable[AptSource]) -> str:
    """The archive root of the first binary Debian source that carries ``main``.

    A Debian archive is recognised by its layout, not its host: a release suite (not a security one)
    with the ``main`` component.
    """
    candidates = [s for s in sources if s.type == "deb" and "main" in s.components]
    for source in candidates:
        if not source.is_security and _looks_like_debian(source):
            return source.uri.rstrip("/")
    raise ImageError(
        "no Debian mirror found in apt's sources (/etc/apt/sources.list, /etc/apt/sources.list.d/)",
        hint="add a Debian source (e.g. a `deb URI bookworm main` line) so local builds know where "
        "packages come from, or pull official images with `inv images --source registry`",
    )


_DEBIAN_SUITES = {
    "buster",
    "bullseye",
    "bookworm",
    "trixie",
    "forky",
    "sid",
    "unstable",
    "testing",
    "stable",
    "oldstable",
}


def _looks_like_debian(source: AptSource) -> bool:
    base = source.suite.split("-", 1)[0]
    return base in _DEBIAN_SUITES
