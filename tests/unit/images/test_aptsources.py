"""apt's sources, both formats: the mirror local builds use comes from here, never from code."""

from __future__ import annotations

from pathlib import Path

import pytest

from greenroom.errors import ImageError
from greenroom.images.aptsources import (
    debian_mirror,
    parse_deb822,
    parse_one_line,
    read_sources,
)

DEB822 = """\
Types: deb deb-src
# a comment inside the stanza
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main

Enabled: no
Types: deb
URIs: http://disabled.example/debian
Suites: trixie
Components: main
"""

ONE_LINE = """\
# deb http://commented.example/debian bookworm main
deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] http://one.example/debian/ trixie main non-free
deb-src http://one.example/debian trixie main
deb http://security.example/debian-security trixie-security main

deb https://vendor.example/apt stable-vendor main
"""


def test_deb822_expands_types_uris_and_suites() -> None:
    sources = parse_deb822(DEB822)
    triples = [(s.type, s.uri, s.suite) for s in sources]
    assert triples == [
        ("deb", "http://mirror.example/debian", "bookworm"),
        ("deb", "http://mirror.example/debian", "bookworm-updates"),
        ("deb-src", "http://mirror.example/debian", "bookworm"),
        ("deb-src", "http://mirror.example/debian", "bookworm-updates"),
        ("deb", "http://mirror.example/debian-security", "bookworm-security"),
    ]
    assert sources[0].components == ("main", "contrib")


def test_one_line_skips_comments_and_options() -> None:
    sources = parse_one_line(ONE_LINE)
    assert [(s.type, s.uri, s.suite) for s in sources] == [
        ("deb", "http://one.example/debian/", "trixie"),
        ("deb-src", "http://one.example/debian", "trixie"),
        ("deb", "http://security.example/debian-security", "trixie-security"),
        ("deb", "https://vendor.example/apt", "stable-vendor"),
    ]
    assert sources[0].components == ("main", "non-free")


def test_mirror_is_the_first_debian_release_source() -> None:
    assert debian_mirror(parse_deb822(DEB822)) == "http://mirror.example/debian"
    assert debian_mirror(parse_one_line(ONE_LINE)) == "http://one.example/debian"


def test_security_and_third_party_sources_are_not_mirrors() -> None:
    only_others = parse_one_line(
        "deb http://s.example/debian-security bookworm-security main\n"
        "deb https://vendor.example/apt nodistro main\n"
    )
    with pytest.raises(ImageError) as caught:
        debian_mirror(only_others)
    assert "no Debian mirror" in str(caught.value)
    assert "--source registry" in (caught.value.hint or "")


def test_read_sources_walks_list_and_sources_files(tmp_path: Path) -> None:
    (tmp_path / "sources.list").write_text("")
    parts = tmp_path / "sources.list.d"
    parts.mkdir()
    (parts / "a-vendor.list").write_text("deb https://vendor.example/apt nodistro main\n")
    (parts / "debian.sources").write_text(DEB822)
    (parts / "old.list.disabled").write_text("deb http://ignored.example/debian trixie main\n")
    sources = read_sources(tmp_path)
    assert {s.origin.rsplit("/", 1)[-1] for s in sources} == {"a-vendor.list", "debian.sources"}
    assert debian_mirror(sources) == "http://mirror.example/debian"
