"""The contract suite's capture: what the declared carriers store while the suite runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from greenroom.components.base import Capture
from greenroom.suites.target import Target

LAST = "test_published_events_match_their_schemas"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Validation of captured messages runs after every other test, the team's included."""
    items.sort(key=lambda item: item.name.startswith(LAST))


@pytest.fixture(scope="session", autouse=True)
def captured(greenroom_target: Target) -> Iterator[dict[str, Capture]]:
    """Model name -> what its carriers stored since the suite began (started by the first test)."""
    with ExitStack() as stack:
        found: dict[str, Capture] = {}
        for name, part in sorted(greenroom_target.parts.items()):
            conn = greenroom_target.connections.get(name)
            watch = part.capture(conn) if conn is not None and part.events() else None
            if watch is not None:
                found[name] = stack.enter_context(watch)
        yield found
