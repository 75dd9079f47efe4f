"""``python -m orders {api,worker,relay,migrate}``: one image, one entry point, several roles."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence

from orders.config import Role, load_settings
from orders.errors import OrdersError
from orders.logs import setup_logging

log = logging.getLogger("orders")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m orders",
        description="Orders reference app. Configuration comes from the environment only.",
    )
    parser.add_argument(
        "role",
        choices=[r.value for r in Role],
        help="api: HTTP API on PORT; worker: relay + consumer, health on HEALTH_PORT; "
        "relay: outbox relay alone; migrate: apply SQL migrations and exit",
    )
    return parser


def run(role: Role) -> int:
    """Run ``role``; an OrdersError becomes one log line with its hint, and an exit code."""
    setup_logging(os.environ.get("LOG_LEVEL", "INFO").strip().upper() or "INFO")
    try:
        settings = load_settings(os.environ, role)
        setup_logging(settings.log_level, settings.secrets())
        log.info("configuration loaded", extra={"role": role.value, "keys": list(settings.keys)})
        if role is Role.MIGRATE:
            from orders.migrate import default_dir, migrate

            migrate(settings.postgres, default_dir(), timeout=settings.startup_timeout)
            return 0
        from orders.runtime import RUNNERS

        asyncio.run(RUNNERS[role](settings))
    except OrdersError as exc:
        log.error(exc.message, extra={"hint": exc.hint, "role": role.value})
        return exc.exit_code
    except Exception:
        log.exception("the role stopped on an unexpected error", extra={"role": role.value})
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return run(Role(args.role))


if __name__ == "__main__":
    sys.exit(main())
