"""`greenroom init`: envs/ from the compose file a team already has, or a starter without one.

`translate` is pure (a `docker compose config` dict -> the two files' text and notes), so every
mapping is tested without Docker; `init_project` does the reading, checking and writing.
"""

from greenroom.init.entry import Mapped
from greenroom.init.project import COMPOSE_FILES, InitResult, find_compose, init_project
from greenroom.init.starter import starter
from greenroom.init.translate import Translation, translate

__all__ = [
    "COMPOSE_FILES",
    "InitResult",
    "Mapped",
    "Translation",
    "find_compose",
    "init_project",
    "starter",
    "translate",
]
