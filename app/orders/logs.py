"""Structured JSON logs on stdout, with every known secret masked in the final line."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from typing import Any

from pythonjsonlogger.json import JsonFormatter

MASK = "***"


class Redactor:
    """Masks known secret values in text, also in their JSON-escaped form."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if secret:
                forms.add(secret)
                forms.add(json.dumps(secret)[1:-1])
        # Longest first, so a secret that contains another is masked whole.
        self._forms = sorted(forms, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for form in self._forms:
            text = text.replace(form, MASK)
        return text


class RedactingJsonFormatter(JsonFormatter):
    """Masks secrets after formatting, so messages, extras and tracebacks are all covered."""

    def __init__(self, secrets: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._redact = Redactor(secrets)

    def format(self, record: logging.LogRecord) -> str:
        # uvicorn attaches an ANSI-coloured copy of its message; the JSON keeps the plain one.
        record.__dict__.pop("color_message", None)
        return self._redact(super().format(record))


def json_formatter(secrets: Iterable[str] = ()) -> RedactingJsonFormatter:
    """The one log format every role uses: time, level, logger, message, then any extras."""
    return RedactingJsonFormatter(
        secrets,
        fmt="{asctime}{levelname}{name}{message}",
        style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        datefmt="%Y-%m-%dT%H:%M:%S%z",
    )


def setup_logging(level: str, secrets: Iterable[str] = ()) -> None:
    """Route the root logger (and uvicorn's) to one JSON handler on stdout."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(json_formatter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    # AWS SDK chatter (at DEBUG it dumps signed request headers) stays out at every level.
    for name in ("botocore", "boto3", "urllib3", "s3transfer"):
        logging.getLogger(name).setLevel(logging.WARNING)
