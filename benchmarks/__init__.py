"""Benchmarks: each module measures one operation against a baseline taken in the same run."""

import os

# Replicas measured here live in their own namespace (Compose project, work dir, secrets, host
# ports), so a benchmark never stops or deletes the user's replica of the same environment.
os.environ["GREENROOM_NAMESPACE"] = os.environ.get("GREENROOM_BENCH_NAMESPACE", "bench")
