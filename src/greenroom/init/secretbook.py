"""Secrets found in a compose file become named references; their values never leave this module.

One value used in several places (the Postgres password and the app's DATABASE_URL) becomes one
secret, so a replica's generated value reaches both sides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

SECRET_NAME = re.compile(
    r"PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|(?:^|_)[A-Z0-9]*KEY(?:$|_)|(?:^|_)PASS(?:$|_)", re.I
)
"""Variable names whose values are treated as secrets."""

FILE = "\0file:"
MIN_EMBEDDED = 4
"""Shorter values are not looked for inside other text (a 2-letter password matches anything)."""

_URL_PASSWORD = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/@\s:]*:[^/@\s]+@")


def is_secret_name(var: str) -> bool:
    """Whether a variable's name says it holds a password, token, key or credential."""
    return bool(SECRET_NAME.search(var))


def url_password(value: str) -> str | None:
    """The password of a `scheme://user:password@host` URL, or None."""
    if not _URL_PASSWORD.match(value):
        return None
    try:
        return urlsplit(value).password or None
    except ValueError:
        return None


def strip_password(url: str) -> str:
    """The URL without its password (the user stays): `postgres://app@db:5432/app`."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username
    return urlunsplit(parts._replace(netloc=f"{user}@{netloc}" if user else netloc))


def slug(text: str) -> str:
    """A model name from a variable or service name: `API_KEY` -> `api-key`."""
    name = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if not name or not name[0].isalpha():
        name = f"s-{name}".rstrip("-")
    return name[:63].rstrip("-")


@dataclass
class SecretBook:
    """Secret names by value: the first place a value is found names it."""

    names: dict[str, str] = field(default_factory=dict)
    """value -> secret name (a file a value is read from counts as its value)."""
    taken: set[str] = field(default_factory=set)
    seen: set[str] = field(default_factory=set)
    """Values found anywhere in the file before any is named."""

    def expect(self, value: str) -> None:
        """Remember ``value`` as a secret, so the same text elsewhere is treated as one too."""
        if value:
            self.seen.add(value)

    def known(self, value: str) -> bool:
        """Whether ``value`` is a secret found somewhere in the file."""
        return value in self.seen or value in self.names

    def within(self, text: str) -> bool:
        """Whether ``text`` contains a secret found somewhere in the file."""
        return any(len(value) >= MIN_EMBEDDED and value in text for value in self.values())

    def ref(self, value: str, preferred: str, fallback: str = "") -> str:
        """The secret name for ``value``: existing, else ``preferred``, ``fallback``, numbered."""
        if value in self.names:
            return self.names[value]
        name = slug(preferred)
        if name in self.taken and fallback:
            name = slug(fallback)
        base, n = name, 2
        while name in self.taken:
            name, n = f"{base[:60]}-{n}", n + 1
        self.taken.add(name)
        self.names[value] = name
        return name

    def declared(self) -> list[str]:
        """Every secret name, in the order found."""
        return list(self.names.values())

    def values(self) -> list[str]:
        """Every secret value found, for the check that none reached the output."""
        return sorted({*self.seen, *(v for v in self.names if not v.startswith(FILE))})


def from_file(path: str) -> str:
    """The key of a secret read from a file (`POSTGRES_PASSWORD_FILE`): its path stands for it."""
    return f"{FILE}{path}"
