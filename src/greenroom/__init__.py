"""greenroom: rehearse every environment locally, ship the very same build to the stage."""

from greenroom.errors import GreenroomError

__all__ = ["GreenroomError", "__version__"]
__version__ = "0.1.0"
