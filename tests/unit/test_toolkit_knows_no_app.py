"""The toolkit never knows an app: no name of the reference project appears in the package."""

from __future__ import annotations

import re
from pathlib import Path

from greenroom.components import parts
from greenroom.model import load_environment

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "greenroom"


def _reference_names() -> set[str]:
    env = load_environment("prod", root=ROOT)
    names = {env.project}
    for service in env.services.values():
        names |= set(service.env) - {"RATE_LIMIT_PER_MINUTE"}
        names |= {v for v in service.env.values() if re.fullmatch(r"[A-Za-z][\w.-]+", v)}
    aws = env.components["aws"]
    names |= {b.name for b in aws.buckets} | {q.name for q in aws.queues}
    names |= {t.name for t in aws.topics}
    # What greenroom itself hands every dependant (PGHOST, NATS_STREAM...) is its own contract.
    contract = {key for part in parts(env).values() for key in part.client().env}
    return {n for n in names - contract if len(n) > 3}


def test_no_bucket_topic_queue_or_variable_of_the_reference_app_is_in_the_package() -> None:
    names = _reference_names()
    assert {"shop-receipts", "RECEIPTS_BUCKET", "order-events"} <= names
    found = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for name in sorted(names)
        if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", path.read_text(encoding="utf-8"))
    ]
    assert found == []
