"""Rin's services: one codebase, one entry point per service (`python -m rin <service>`)."""
