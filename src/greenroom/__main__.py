"""`greenroom TASK ...` (or `python -m greenroom TASK ...`): the same tasks as `inv TASK ...`."""

from __future__ import annotations

import sys

from invoke.program import Program

from greenroom import __version__


def main() -> None:
    """Run the packaged task collection as a standalone program."""
    from greenroom.tasks import ns

    Program(namespace=ns, name="greenroom", binary="greenroom", version=__version__).run(sys.argv)


if __name__ == "__main__":
    main()
