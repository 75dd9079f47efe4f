"""`python -m rin <service>`: one image, one entry point per service."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from starlette.applications import Starlette

from rin import gateway, ranking, search, writers
from rin.web import serve

SERVICES: dict[str, Callable[[], Starlette]] = {
    "gateway": gateway.gateway,
    "identity": writers.identity,
    "contacts": writers.contacts,
    "profile": writers.profile,
    "disputes": writers.disputes,
    "ranking": ranking.ranking,
    "search": search.search,
}


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    role = argv[0] if argv else ""
    if role == "migrate":
        from rin.migrate import migrate

        migrate()
        return 0
    if role not in SERVICES:
        print(f"usage: python -m rin {{migrate,{','.join(SERVICES)}}}", file=sys.stderr)
        return 2
    serve(SERVICES[role]())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
