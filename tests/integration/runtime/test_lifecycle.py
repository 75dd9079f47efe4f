"""`inv up` on the real engine: ready means provisioned, re-runs converge, replicas stay apart."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from greenroom.components.aws.provision import AwsTarget
from greenroom.components.aws.spec import Aws
from greenroom.errors import PortInUseError, ReplicaError
from greenroom.runtime import Replica, down, status, up
from greenroom.runtime.containers import project_containers
from greenroom.runtime.probes import aws_endpoint


def _ids(replica: Replica) -> dict[str, str]:
    return {c.name: c.id for c in project_containers(replica.project)}


def _aws(replica: Replica) -> tuple[Aws, AwsTarget]:
    name, spec = next((n, c) for n, c in replica.env.components.items() if isinstance(c, Aws))
    endpoint = aws_endpoint(spec, name, replica.access())
    return spec, AwsTarget(region=spec.region, endpoint_url=endpoint)


def _assert_aws_provisioned(replica: Replica) -> None:
    spec, target = _aws(replica)
    s3 = target.client("s3")
    buckets = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    for bucket in spec.buckets:
        assert bucket.name in buckets
        if bucket.versioning:
            assert s3.get_bucket_versioning(Bucket=bucket.name)["Status"] == "Enabled"
    sqs = target.client("sqs")
    for queue in spec.queues:
        url = sqs.get_queue_url(QueueName=queue.name)["QueueUrl"]
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert attrs["VisibilityTimeout"] == str(queue.visibility_timeout)
        if queue.dead_letter:
            policy = json.loads(attrs["RedrivePolicy"])
            assert policy["deadLetterTargetArn"].endswith(f":{queue.dead_letter.queue}")
    sns = target.client("sns")
    topics = {t["TopicArn"].rsplit(":", 1)[1]: t["TopicArn"] for t in sns.list_topics()["Topics"]}
    for topic in spec.topics:
        subs = sns.list_subscriptions_by_topic(TopicArn=topics[topic.name])["Subscriptions"]
        assert {s["Endpoint"].rsplit(":", 1)[1] for s in subs} == {
            s.queue for s in topic.subscriptions
        }
    ssm = target.client("ssm")
    for param in spec.parameters:
        got = ssm.get_parameter(Name=param.name, WithDecryption=True)["Parameter"]
        assert got["Type"] == param.type
    sm = target.client("secretsmanager")
    for secret in spec.secrets:
        assert sm.describe_secret(SecretId=secret.name)["Name"] == secret.name


def _assert_data_services(replica: Replica) -> None:
    import redis

    access = replica.access()
    with replica.parts["postgres"].connect(access).connect() as conn:
        tables = {
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
    assert {"orders", "outbox"} <= tables, "migrations did not run"
    client = redis.Redis(host=access.host, port=access.port("redis", 6379))
    assert client.ping()
    client.close()

    async def jetstream() -> tuple[list[str], list[str]]:
        import nats

        nc = await nats.connect(f"nats://{access.host}:{access.port('nats', 4222)}")
        try:
            js = nc.jetstream()
            streams = [s.config.name for s in await js.streams_info()]
            consumers = [c.name for c in await js.consumers_info("ORDERS")]
            return streams, consumers
        finally:
            await nc.close()

    streams, consumers = asyncio.run(jetstream())
    assert "ORDERS" in streams
    assert "orders-worker" in consumers


def test_up_returns_a_healthy_and_provisioned_replica(dev_replica: Replica) -> None:
    assert status("dev")
    _assert_aws_provisioned(dev_replica)
    _assert_data_services(dev_replica)


def test_second_up_recreates_nothing_and_keeps_data(dev_replica: Replica) -> None:
    import redis

    access = dev_replica.access()
    client = redis.Redis(host=access.host, port=access.port("redis", 6379))
    client.set("greenroom-test-marker", "kept")
    before = _ids(dev_replica)
    up("dev")
    assert _ids(dev_replica) == before
    assert client.get("greenroom-test-marker") == b"kept"
    client.close()


def test_changed_model_recreates_only_the_affected_service(dev_replica: Replica) -> None:
    before = _ids(dev_replica)
    try:
        up("dev", overrides=["services.worker.env.LOG_LEVEL=DEBUG"])
        after = _ids(dev_replica)
        changed = {name for name in before if before[name] != after.get(name)}
        assert changed and all("worker" in name for name in changed), changed
    finally:
        up("dev")


def test_a_zone_turned_internal_recreates_the_replica_and_keeps_its_data(
    dev_replica: Replica, capsys: pytest.CaptureFixture[str]
) -> None:
    postgres = dev_replica.parts["postgres"].connect(dev_replica.access())
    with postgres.connect() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS greenroom_zone_test (v text)")
        conn.execute("INSERT INTO greenroom_zone_test VALUES ('kept')")
    try:
        up("dev", overrides=["zones.data.internal=false"])
        said = capsys.readouterr().err
        assert "to-postgres" in said and "change isolation" in said
    finally:
        up("dev")
    with postgres.connect() as conn:
        assert conn.execute("SELECT v FROM greenroom_zone_test").fetchall() == [("kept",)]
        conn.execute("DROP TABLE greenroom_zone_test")


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def _free_port_base(env: str) -> tuple[int, Replica]:
    """A port base below the kernel's ephemeral range where every host port of ENV is free."""
    for base in range(21000, 32000, 1000):
        probe = Replica.open(env, [f"exposure.port_base={base}"])
        ports = [port for mapping in probe.host_ports.values() for port in mapping.values()]
        if all(_port_is_free(port) for port in ports):
            return base, probe
    pytest.fail("no port base between 21000 and 32000 has all of its ports free")


def test_taken_port_is_refused_before_anything_starts(dev_replica: Replica) -> None:
    base, probe = _free_port_base("stage")
    service, ports = sorted(probe.host_ports.items())[0]
    container_port, host_port = sorted(ports.items())[0]
    with socket.socket() as blocker:
        blocker.bind(("0.0.0.0", host_port))
        blocker.listen(1)
        with pytest.raises(PortInUseError) as caught:
            up("stage", overrides=[f"exposure.port_base={base}"])
    assert f"port {host_port} ({service}:{container_port})" in str(caught.value)
    assert "exposure.port_base" in str(caught.value)
    assert project_containers(probe.project) == []


@pytest.fixture
def stage_moto() -> Iterator[list[str]]:
    overrides = ["components.aws.emulator=moto"]
    yield overrides
    down("stage", volumes=True, yes=True, overrides=overrides)


def test_interrupted_up_converges_and_runs_beside_dev(
    dev_replica: Replica, stage_moto: list[str]
) -> None:
    stage = Replica.open("stage", stage_moto)
    argv = [sys.executable, "-m", "greenroom", "up", "stage"]
    for override in stage_moto:
        argv += ["--set", override]
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not project_containers(stage.project) and time.monotonic() < deadline:
        if child.poll() is not None:
            break
        time.sleep(0.2)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert project_containers(stage.project), "the interrupted up started nothing"

    up("stage", overrides=stage_moto)
    assert status("stage", overrides=stage_moto)
    _assert_aws_provisioned(stage)
    assert status("dev")
    dev_ports = {p for ports in dev_replica.host_ports.values() for p in ports.values()}
    stage_ports = {p for ports in stage.host_ports.values() for p in ports.values()}
    assert not dev_ports & stage_ports
    assert stage.project != dev_replica.project


def test_down_leaves_no_container_or_network(dev_replica: Replica) -> None:
    overrides = ["components.aws.emulator=moto", "exposure.port_base=19000"]
    replica = up("stage", overrides=overrides)
    # A network of the replica its file no longer names, as after a change of zones while it ran.
    retired = f"{replica.project}_retired-zone"
    label = f"com.docker.compose.project={replica.project}"
    subprocess.run(["docker", "network", "create", "--label", label, retired], check=True)
    down("stage", overrides=overrides)
    assert project_containers(replica.project) == []
    networks = subprocess.run(
        [
            "docker",
            "network",
            "ls",
            "-q",
            "--filter",
            f"label=com.docker.compose.project={replica.project}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert networks == []
    with pytest.raises(ReplicaError, match="not running"):
        status("stage", overrides=overrides)
    down("stage", volumes=True, yes=True, overrides=overrides)
