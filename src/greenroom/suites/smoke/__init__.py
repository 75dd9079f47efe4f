"""The smoke suite: every component reachable (and refused without credentials where auth is on),
every service healthy; then the team's own smoke tests (`suites.smoke.path`, default tests/smoke).

Run it with ``inv test smoke [--env ENV]`` (default dev). Against a local replica
(``--target replica``, the default) endpoints and secrets come from the replica. Against a deployed
environment
(``--target environ``) they come from these variables; resource names (stream, bucket, topic,
queues) and whether auth is on come from ``envs/ENV.yaml``:

==============================  ===========================================================
``GREENROOM_API_URL``           base URL of the HTTP API (required)
``GREENROOM_IMAGES``            the deployed set, ``api=sha256:...,worker=sha256:...`` (the
                                ledger keys on it); or ``GREENROOM_IMAGE_DIGEST`` for one image
``GREENROOM_PGHOST``            Postgres host (required); ``GREENROOM_PGPORT`` (5432)
``GREENROOM_PGUSER``            Postgres user (default: the model's)
``GREENROOM_PGPASSWORD``        Postgres password (required)
``GREENROOM_PGDATABASE``        database (default: the model's)
``GREENROOM_REDIS_URL``         ``redis://[:PASSWORD@]host:port/db`` or ``rediss://`` (required)
``GREENROOM_REDIS_PASSWORD``    Redis password, if not in the URL (required when auth is on)
``GREENROOM_NATS_URL``          ``nats://host:4222`` (required)
``GREENROOM_NATS_TOKEN``        NATS token (required when auth is on)
``GREENROOM_AWS_ENDPOINT_URL``  an AWS emulator's URL; absent means real AWS with the caller's
                                own credentials (``AWS_PROFILE``, ``AWS_ACCESS_KEY_ID``...)
``GREENROOM_AWS_REGION``        region (default: the model's)
``GREENROOM_SMOKE_DEADLINE``    seconds a journey may take through all hops (default 30)
==============================  ===========================================================
"""
