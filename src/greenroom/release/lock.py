"""One promotion or rollback per environment at a time: a lock object in the target's bucket.

Taken with a conditional write (``If-None-Match: *``), so two machines cannot both hold it. A lock
left by a process of this machine that no longer runs (kill -9) is taken over.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from greenroom.release.errors import ReleaseError
from greenroom.release.ledger import now
from greenroom.release.target import MISSING, AwsTarget, aws_call

KEY = "greenroom/lock.json"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _holder(s3: Any, target: AwsTarget) -> dict[str, Any] | None:
    got = aws_call(
        "reading the promotion lock", s3.get_object, tolerate=MISSING, Bucket=target.bucket, Key=KEY
    )
    held: dict[str, Any] | None = json.loads(got["Body"].read()) if got else None
    return held


def _take(s3: Any, target: AwsTarget, me: dict[str, Any]) -> bool:
    put = aws_call(
        "taking the promotion lock",
        s3.put_object,
        tolerate=("PreconditionFailed", "412", "ConditionalRequestConflict"),
        Bucket=target.bucket,
        Key=KEY,
        Body=json.dumps(me),
        IfNoneMatch="*",
    )
    return put is not None


@contextmanager
def locked(target: AwsTarget, what: str, who: str, s3: Any | None = None) -> Iterator[None]:
    """Hold ``target``'s lock for the block; ReleaseError naming the holder when it is taken."""
    s3 = s3 if s3 is not None else target.client("s3")
    me = {"who": who, "what": what, "host": socket.gethostname(), "pid": os.getpid(), "time": now()}
    if not _take(s3, target, me):
        held = _holder(s3, target) or {}
        stale = held.get("host") == me["host"] and not _alive(int(held.get("pid", 0)))
        if stale:
            s3.delete_object(Bucket=target.bucket, Key=KEY)
        if not stale or not _take(s3, target, me):
            raise ReleaseError(
                f"{target.env} is locked: {held.get('what', 'a release')} by "
                f"{held.get('who', 'someone')} on {held.get('host', '?')} since "
                f"{held.get('time', '?')}",
                hint="wait for it to finish; if that run died on another machine, remove the "
                f"lock: `aws s3 rm s3://{target.bucket}/{KEY}`, then run the command again "
                "(it converges what the dead run left)",
            )
    try:
        yield
    finally:
        s3.delete_object(Bucket=target.bucket, Key=KEY)
