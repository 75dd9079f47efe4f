"""Release tests share one project under release (``tests/release_project.py``)."""

from release_project import project

__all__ = ["project"]
