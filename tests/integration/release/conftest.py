"""A moto server for ECR, ECS, ELBv2, CloudWatch, S3, SSM and Secrets Manager; greenroom's registry
image as ECR's storage; small local images; the target's infrastructure, unique names per test."""

from __future__ import annotations

import io
import logging
import os
import socket
import subprocess
import tarfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from greenroom.model import load_environment
from release_project import Project, project

__all__ = ["project"]

REGION = "us-east-1"
REGISTRY_IMAGE = "greenroom/registry:2.8"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    os.environ["MOTO_ECS_SERVICE_RUNNING"] = "4"
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        os.environ.pop("MOTO_ECS_SERVICE_RUNNING", None)


@pytest.fixture(scope="session")
def registry_url() -> Iterator[str]:
    """greenroom's registry image on a loopback port: where the pushes land."""
    if subprocess.run(
        ["docker", "image", "inspect", REGISTRY_IMAGE], capture_output=True
    ).returncode:
        pytest.fail(f"{REGISTRY_IMAGE} is missing: build it with `inv images --only registry`")
    port = free_port()
    name = f"greenroom-release-registry-{os.environ.get('GREENROOM_NAMESPACE', 'test')}-{port}"
    subprocess.run(
        [
            "docker",
            "run",
            "-d",
            "--rm",
            "--name",
            name,
            "-p",
            f"127.0.0.1:{port}:5000",
            REGISTRY_IMAGE,
        ],
        check=True,
        capture_output=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/v2/", timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        yield url
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)


def make_image(label: str) -> str:
    """A one-file image imported from a tarball: nothing to pull, unique content."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        body = f"{label} {uuid.uuid4()}\n".encode()
        info = tarfile.TarInfo("release.txt")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    done = subprocess.run(
        ["docker", "import", "-", f"greenroom-release-test/{label}:{uuid.uuid4().hex[:8]}"],
        input=data.getvalue(),
        capture_output=True,
        check=True,
    )
    return done.stdout.decode().strip()


@pytest.fixture
def images() -> Iterator[dict[str, str]]:
    made = {"web": make_image("web"), "jobs": make_image("jobs")}
    yield made
    for image in made.values():
        subprocess.run(["docker", "image", "rm", "-f", image], capture_output=True, check=False)


@dataclass
class Infra:
    """One environment's AWS home as infrastructure code would leave it; greenroom updates it."""

    endpoint: str
    registry: str
    root: Path
    uid: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    created: dict[str, str] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=REGION, endpoint_url=self.endpoint)

    def cluster(self, env: str) -> str:
        return f"k{self.uid}{env[:2]}"

    def overrides(self, env: str, registry: str | None = None) -> list[str]:
        """`--set` flags for a promotion of ``env`` (its target is in its env file)."""
        return [f"promotion.target.registry={registry}"] if registry else []

    def configure(self, env: str, **sections: Any) -> None:
        """The env file names its AWS home, as a team's envs/stage.yaml would."""
        path = self.root / "envs" / f"{env}.yaml"
        data = {**yaml.safe_load(path.read_text()), **sections}
        cluster = self.cluster(env)
        data["promotion"]["target"] = {
            "endpoint_url": self.endpoint,
            "registry": self.registry,
            "cluster": cluster,
            "bucket": f"{cluster}-releases",
            "load_balancer": cluster,
            "repository_prefix": cluster,
        }
        path.write_text(yaml.safe_dump(data))

    def build(self, env: str, **sections: Any) -> None:
        """Cluster, bucket, the services on a first task definition, ALB with weighted groups,
        the parameters and secrets the model's `aws:` sources name."""
        self.configure(env, **sections)
        model = load_environment(env, root=self.root)
        running = [n for n, s in model.services.items() if not s.one_shot]
        (fronted,) = [n for n in running if model.services[n].port]
        cluster = self.cluster(env)
        self.client("s3").create_bucket(Bucket=f"{cluster}-releases")
        ecs = self.client("ecs")
        ecs.create_cluster(clusterName=cluster)
        first = ecs.register_task_definition(
            family=f"{cluster}-first",
            containerDefinitions=[
                {"name": "app", "image": "first@sha256:" + "0" * 64, "memory": 512}
            ],
        )["taskDefinition"]["taskDefinitionArn"]
        self.created[env] = first
        ec2 = self.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(
                VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"{REGION}{z}"
            )["Subnet"]["SubnetId"]
            for i, z in enumerate("ab")
        ]
        elbv2 = self.client("elbv2")
        balancer = elbv2.create_load_balancer(Name=cluster, Subnets=subnets)["LoadBalancers"][0]
        for service in [*running, f"{fronted}-canary"]:
            ecs.create_service(
                cluster=cluster,
                serviceName=f"{cluster}-{service}",
                taskDefinition=first,
                desiredCount=0 if service.endswith("canary") else 2,
                launchType="FARGATE",
            )
        groups = [
            elbv2.create_target_group(
                Name=f"{cluster}-{name}", Protocol="HTTP", Port=8000, VpcId=vpc, TargetType="ip"
            )["TargetGroups"][0]["TargetGroupArn"]
            for name in (fronted, f"{fronted}-canary")
        ]
        elbv2.create_listener(
            LoadBalancerArn=balancer["LoadBalancerArn"],
            Protocol="HTTP",
            Port=80,
            DefaultActions=[
                {
                    "Type": "forward",
                    "ForwardConfig": {
                        "TargetGroups": [
                            {"TargetGroupArn": groups[0], "Weight": 100},
                            {"TargetGroupArn": groups[1], "Weight": 0},
                        ]
                    },
                }
            ],
        )
        ssm, sm = self.client("ssm"), self.client("secretsmanager")
        for source in {s.aws for s in model.secrets.values() if s.aws}:
            if source.startswith("/"):
                ssm.put_parameter(Name=source, Value="x", Type="SecureString", Overwrite=True)
            elif source not in {s["Name"] for s in sm.list_secrets()["SecretList"]}:
                sm.create_secret(Name=source, SecretString="y")

    # What a user would look at after a promotion.

    def task_definition(self, env: str, service: str) -> dict[str, Any]:
        cluster = self.cluster(env)
        ecs = self.client("ecs")
        found = ecs.describe_services(cluster=cluster, services=[f"{cluster}-{service}"])
        arn = found["services"][0]["taskDefinition"]
        return dict(ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"])

    def desired(self, env: str, service: str) -> int:
        cluster = self.cluster(env)
        found = self.client("ecs").describe_services(
            cluster=cluster, services=[f"{cluster}-{service}"]
        )
        return int(found["services"][0]["desiredCount"])

    def weights(self, env: str) -> dict[str, int]:
        elbv2 = self.client("elbv2")
        balancer = elbv2.describe_load_balancers(Names=[self.cluster(env)])["LoadBalancers"][0]
        listener = elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])[
            "Listeners"
        ][0]
        groups = listener["DefaultActions"][0]["ForwardConfig"]["TargetGroups"]
        return {
            g["TargetGroupArn"].split("/")[-2].removeprefix(self.cluster(env) + "-"): g["Weight"]
            for g in groups
        }

    def metrics(self, env: str, requests: float, errors: float, service: str = "web") -> None:
        """Traffic on the canary's target group as the load balancer reports it to CloudWatch."""
        elbv2 = self.client("elbv2")
        cluster = self.cluster(env)
        name = f"{cluster}-{service}-canary"
        group = elbv2.describe_target_groups(Names=[name])["TargetGroups"][0]
        balancer = group["LoadBalancerArns"][0]
        dimensions = [
            {"Name": "TargetGroup", "Value": group["TargetGroupArn"].split(":", 5)[-1]},
            {"Name": "LoadBalancer", "Value": balancer.split(":loadbalancer/", 1)[-1]},
        ]
        self.client("cloudwatch").put_metric_data(
            Namespace="AWS/ApplicationELB",
            MetricData=[
                {"MetricName": "RequestCount", "Dimensions": dimensions, "Value": requests},
                {
                    "MetricName": "HTTPCode_Target_5XX_Count",
                    "Dimensions": dimensions,
                    "Value": errors,
                },
            ],
        )

    def config_digest(self, ref: str) -> str:
        """The image a task definition's ``repo@sha256:...`` names, as the registry holds it."""
        import json

        repository, digest = ref.split("/", 1)[1].split("@")
        request = urllib.request.Request(
            f"{self.registry}/v2/{repository}/manifests/{digest}",
            headers={
                "Accept": "application/vnd.docker.distribution.manifest.v2+json, "
                "application/vnd.oci.image.manifest.v1+json"
            },
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            return str(json.loads(answer.read())["config"]["digest"])


@pytest.fixture
def infra(
    moto_endpoint: str, registry_url: str, monkeypatch: pytest.MonkeyPatch, project: Project
) -> Infra:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return Infra(endpoint=moto_endpoint, registry=registry_url, root=project.root)
