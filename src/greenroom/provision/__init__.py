"""Provisioning what the model declares, on a replica or a real target: one code path."""
