"""envs/ for a project without a compose file: files that load, with the common parts commented."""

from __future__ import annotations

from greenroom.init.translate import SCHEMA_LINE, dev_document

BASE = """\
# {schema}
# What every environment shares; envs/<name>.yaml layers on top (see envs/README.md).
project: {project}
description: ""

zones:
  app:
    description: The team's own containers.
  data:
    description: Stateful stores; nothing in here reaches the outside.
    internal: true
  ops:
    description: Operational APIs (AWS emulator, monitoring); greenroom reaches the replica here.

# Your own containers: a folder with a Dockerfile (build:) or an image (image:).
services: {{}}
#  api:
#    build: app
#    port: 8000
#    health: /healthz
#    depends_on: [postgres, redis]
#    env:
#      LOG_LEVEL: info
#    secrets:
#      API_KEY: api-key              # the app reads the file $API_KEY_FILE names

# Infrastructure greenroom runs and provisions: postgres, redis, nats, aws, ingress, prometheus.
components: {{}}
#  postgres:
#    database: {database}
#    user: {database}
#    password: {{secret: postgres-password}}
#  redis: {{}}
#  aws:
#    zone: ops
#    emulator: localstack
#    buckets: [{{name: {project}-uploads}}]

# Replicas generate throwaway values; a real environment sets `env: VAR` or `aws: <id>` instead.
secrets: {{}}
#  postgres-password: {{generate: true}}
#  api-key: {{generate: true}}
"""


def starter(project: str) -> tuple[str, str]:
    """(base.yaml, dev.yaml) of a new project named ``project`` (a model name)."""
    database = project.replace("-", "_")
    return (
        BASE.format(schema=SCHEMA_LINE, project=project, database=database),
        dev_document(),
    )
