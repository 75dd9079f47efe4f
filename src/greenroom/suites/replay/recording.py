"""Replay files: one JSON object per message (subject, headers, payload, timestamp), gzipped.

``payload`` is the body as text when it is UTF-8, else ``payload_base64``. The expected state
digest of a replay lives beside the file, in ``<file>.expected.json``.
"""

from __future__ import annotations

import base64
import gzip
import json
import sys
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from greenroom.components.nats.stream import StoredMessage
from greenroom.errors import ConfigError, SuiteError

SUFFIX = ".ndjson.gz"


def line(message: StoredMessage) -> str:
    """One message as a line of the file."""
    record: dict[str, Any] = {
        "stream": message.stream,
        "seq": message.seq,
        "subject": message.subject,
        "headers": dict(message.headers),
        "timestamp": message.time,
    }
    try:
        record["payload"] = message.data.decode("utf-8")
    except UnicodeDecodeError:
        record["payload_base64"] = base64.b64encode(message.data).decode()
    return json.dumps(record, sort_keys=True, separators=(",", ":"))


def write(path: Path, messages: Iterable[StoredMessage]) -> int:
    """Write the messages to ``path`` (gzipped NDJSON); returns how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with gzip.open(path, "wt", encoding="utf-8") as out:
        for message in messages:
            out.write(line(message) + "\n")
            count += 1
    return count


def parse(text: str, where: str) -> StoredMessage:
    try:
        record = json.loads(text)
        data = (
            base64.b64decode(record["payload_base64"])
            if "payload_base64" in record
            else str(record["payload"]).encode("utf-8")
        )
        return StoredMessage(
            stream=str(record.get("stream", "")),
            seq=int(record.get("seq", 0)),
            subject=str(record["subject"]),
            data=data,
            time=str(record.get("timestamp", "")),
            headers={str(k): str(v) for k, v in (record.get("headers") or {}).items()},
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"{where} is not a replay message: {type(exc).__name__}: {exc}",
            hint="record replay files with `inv replay record ENV --stream S`",
        ) from None


def read(path: Path) -> list[StoredMessage]:
    """Every message of a replay file, in recorded order."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as source:
            return [
                parse(text, f"{path}:{number}")
                for number, text in enumerate(source, start=1)
                if text.strip()
            ]
    except FileNotFoundError:
        raise ConfigError(
            f"no replay file at {path}",
            hint="record one with `inv replay record ENV --stream S --output FILE`",
        ) from None
    except (OSError, EOFError) as exc:
        raise ConfigError(f"{path} is not a gzipped replay file: {exc}") from None


def expectation(path: Path) -> Path:
    """Where the expected state digest of replaying ``path`` is kept."""
    return path.with_name(path.name + ".expected.json")


def record_stream(
    env: str,
    stream: str,
    *,
    from_seq: int = 0,
    since: str = "",
    output: str = "",
    target: str = "replica",
) -> Path:
    """Write what ``stream`` of ``env`` holds (from a sequence or a time) to a replay file."""
    from greenroom.suites.target import resolve_target

    if from_seq and since:
        raise ConfigError("--from-seq and --since both say where to start", hint="give one of them")
    start = _since(since) if since else None
    conn = resolve_target(env, target).connection("nats")
    if conn is None:
        raise ConfigError(f"{env} has no NATS component to record from")
    if stream not in conn.streams:
        raise ConfigError(
            f"{env} declares no stream {stream!r}",
            hint=f"record one of: {', '.join(conn.streams) or '(none)'}",
        )

    async def use(nc: Any) -> list[StoredMessage]:
        from greenroom.components.nats.stream import read as read_stream

        return await read_stream(nc, stream, after=max(from_seq - 1, 0), since=start)

    try:
        messages = conn.run(use)
    except Exception as exc:
        raise SuiteError(
            f"reading stream {stream} of {env} failed: {type(exc).__name__}: {exc}",
            hint=f"check that {env} is up (`inv status {env}`)",
        ) from exc
    path = Path(output) if output else Path(f"replays/{stream.lower()}{SUFFIX}")
    count = write(path, messages)
    print(f"recorded {count} message(s) of {stream} to {path}", file=sys.stderr)
    return path


def _since(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"--since {text!r} is not a time",
            hint="give an ISO 8601 time, e.g. 2026-11-30T07:00:00Z",
        ) from None
    return parsed if parsed.tzinfo else parsed.astimezone()
