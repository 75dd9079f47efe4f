"""OpenSearch: a single-node search cluster with the indices the model declares.

Debian does not package it, so its image comes from a registry (`inv images --source registry`);
air-gapped, a replica runs without it and says so (`model/absent.py`).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from greenroom.components import register
from greenroom.components.access import Access
from greenroom.components.base import Fragment, HttpComponent, RenderContext, healthcheck
from greenroom.components.report import Report
from greenroom.model.types import ComponentBase, Name, Spec, Text

if TYPE_CHECKING:
    from greenroom.model.environment import Environment

PORT = 9200
HEALTH = "/_cluster/health?wait_for_status=yellow&timeout=1s"


class Index(Spec):
    """One index: its name, shards and replicas (a single node holds no replica shard)."""

    name: Name
    shards: int = Field(default=1, ge=1, le=1024)
    replicas: int = Field(default=0, ge=0, le=16)


class OpenSearch(ComponentBase):
    """A search cluster: one node on a replica, its heap bounded, security plugin off."""

    kind: Literal["opensearch"] = "opensearch"
    zone: Name = "data"
    version: Text | None = None
    heap: str = Field(default="512m", pattern=r"^[1-9][0-9]*[mg]$")
    indices: list[Index] = Field(default_factory=list)


@register("opensearch")
class OpenSearchComponent(HttpComponent[OpenSearch]):
    """Its indices are created (shards and replicas as declared) once the cluster answers."""

    spec_model = OpenSearch
    health = HEALTH
    why_nothing_to_refuse = "the replica's OpenSearch runs without its security plugin"

    def container_ports(self) -> dict[str, tuple[int, ...]]:
        return {self.name: (PORT,)}

    def images(self) -> tuple[str, ...]:
        return ("opensearch",)

    def services(self, env: Environment, ctx: RenderContext) -> dict[str, Fragment]:
        heap = self.spec.heap
        fragment: Fragment = {
            "image": ctx.image("opensearch", self.spec.version),
            "environment": {
                "discovery.type": "single-node",
                "DISABLE_SECURITY_PLUGIN": "true",
                "DISABLE_INSTALL_DEMO_CONFIG": "true",
                "OPENSEARCH_JAVA_OPTS": f"-Xms{heap} -Xmx{heap}",
            },
            "healthcheck": healthcheck(
                ["CMD", "curl", "-fsS", "-o", "/dev/null", f"http://127.0.0.1:{PORT}{HEALTH}"]
            ),
        }
        return {self.name: fragment}

    def provision(self, access: Access) -> Report | None:
        if not self.spec.indices:
            return None
        report = Report()
        for index in self.spec.indices:
            body = {
                "settings": {
                    "number_of_shards": index.shards,
                    "number_of_replicas": index.replicas,
                }
            }
            request = urllib.request.Request(
                f"{self.url(access)}/{index.name}",
                data=json.dumps(body).encode(),
                headers={"Content-Type": "application/json"},
                method="PUT",
            )
            try:
                with urllib.request.urlopen(request, timeout=30):
                    report.add(f"index {index.name}")
            except urllib.error.HTTPError as exc:
                exc.close()
                if exc.code != 400:  # 400: resource_already_exists_exception
                    raise
        return report
