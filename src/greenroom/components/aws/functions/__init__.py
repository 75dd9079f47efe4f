"""AWS Lambda functions on a replica: each in a container of its own, driven by its trigger.

``part`` is the function as a part of the environment (its Compose service, zone and reach);
``image`` builds it from the function's folder; ``runner`` and ``schedule`` run inside it.
"""
