"""Readiness probes for a whole replica: each component speaks its own protocol (see components)."""

from __future__ import annotations

from greenroom.components import parts
from greenroom.components.access import Access, Probe, ProbeFailed
from greenroom.components.aws.spec import Aws
from greenroom.model.environment import Environment

__all__ = ["Access", "Probe", "ProbeFailed", "aws_endpoint", "probes_for"]


def probes_for(env: Environment, access: Access) -> dict[str, Probe]:
    """One protocol probe per long-running service of the replica (one-shots have none)."""
    probes: dict[str, Probe] = {}
    for name, part in parts(env).items():
        probe = part.probe(access)
        if probe is not None:
            probes[name] = probe
    return probes


def aws_endpoint(spec: Aws, name: str, access: Access) -> str:
    """The host-side endpoint URL of a replica's AWS emulator (boto3's `endpoint_url`)."""
    from greenroom.components.aws import AwsComponent

    return AwsComponent(name, spec).endpoint_url(access)
