"""The shop's own contract test: an order placed through the API puts its event on the stream,
so greenroom validates a real message against the published schema at the end of the suite."""

from __future__ import annotations

import json
import urllib.request

from greenroom.suites.journey import Hop, NotYet, follow
from greenroom.suites.target import Target


def test_a_placed_order_publishes_its_event(
    greenroom_target: Target, api_url: str, greenroom_deadline: float
) -> None:
    body = json.dumps({"sku": "contract-sku", "quantity": 2, "customer": "contract"}).encode()
    request = urllib.request.Request(
        f"{api_url}/orders", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        order_id = json.loads(answer.read())["id"]

    def published() -> str:
        def status() -> str:
            with urllib.request.urlopen(f"{api_url}/orders/{order_id}", timeout=5) as answer:
                return str(json.loads(answer.read())["status"])

        seen = status()
        if seen != "receipted":
            raise NotYet(f"order {order_id} is {seen}")
        return seen

    follow([Hop("order receipted", published)], deadline=greenroom_deadline)
