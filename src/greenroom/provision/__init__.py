"""Provisioning of what the model declares, on a replica or a real target: the same code for both."""
