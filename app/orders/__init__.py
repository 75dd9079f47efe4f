"""The reference app: an orders API, an outbox relay and a receipt worker in one image."""

__version__ = "0.1.0"
