"""`python -m fitness <service>`: one image, one entry point per service."""

from __future__ import annotations

import logging
import sys

from fitness import services
from fitness.web import Handler, migrate, serve

SERVICES: dict[str, tuple[str, Handler, bool]] = {
    # name: (the ALB path it answers under, its handler, whether it keeps tables in PostgreSQL)
    "api": ("/api", services.api, True),
    "auth": ("/auth", services.auth, False),
    "training": ("/training", services.training, True),
    "content": ("/content", services.content, False),
    "payment": ("/payments", services.payment, True),
    "ml": ("/ml", services.ml, False),
}


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    role = argv[0] if argv else ""
    if role not in SERVICES:
        print(f"usage: python -m fitness {{{','.join(SERVICES)}}}", file=sys.stderr)
        return 2
    prefix, handler, tables = SERVICES[role]
    if tables:
        migrate()
    services.start_background(role)
    serve(role, prefix, handler)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
