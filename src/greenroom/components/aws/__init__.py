"""The AWS services, emulated on a replica: LocalStack or moto behind one endpoint contract."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, ClassVar

from greenroom.components import register
from greenroom.components.access import Access, Probe, ProbeFailed
from greenroom.components.aws import connection, emulators
from greenroom.components.aws.connection import AwsConnection
from greenroom.components.aws.emulators import Emulator
from greenroom.components.aws.spec import Aws
from greenroom.components.base import (
    Base,
    Capture,
    Carried,
    Client,
    Component,
    Diagram,
    Edge,
    Fixture,
    Fragment,
    Node,
    Observed,
    RenderContext,
    healthcheck,
    node_id,
)
from greenroom.components.report import Report

if TYPE_CHECKING:
    from greenroom.components.aws.provision import AwsTarget
    from greenroom.components.environ import Environ
    from greenroom.model.environment import Environment
    from greenroom.model.problems import KeyPath
    from greenroom.model.refs import References
    from greenroom.model.types import ReplayState


CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
"""The emulators accept any key; these are the conventional placeholders, not secrets."""


@register("aws")
class AwsComponent(Base[Aws]):
    """Clients get `AWS_ENDPOINT_URL`, so the same boto3 code talks to the emulator or to AWS."""

    spec_model = Aws
    fixtures: ClassVar[Mapping[str, Fixture]] = {
        **{
            f"{service}_client": Fixture(connection._client(service), scope="session")
            for service in ("s3", "sqs", "sns", "ssm", "secretsmanager", "logs")
        },
        "aws_connection": Fixture(connection.aws_connection, scope="session"),
    }
    why_nothing_to_refuse = "an emulator accepts any credentials"

    def check(self, c: References) -> None:
        key, aws = self.name, self.spec
        base: KeyPath = ("components", key)
        queues = [q.name for q in aws.queues]
        for field, names in (
            ("buckets", [b.name for b in aws.buckets]),
            ("queues", queues),
            ("topics", [t.name for t in aws.topics]),
            ("parameters", [p.name for p in aws.parameters]),
            ("secrets", [s.name for s in aws.secrets]),
        ):
            c.unique((*base, field), field.rstrip("s"), names)
        for i, queue in enumerate(aws.queues):
            if queue.dead_letter is None:
                continue
            path = (*base, "queues", i, "dead_letter", "queue")
            if queue.dead_letter.queue == queue.name:
                c.add(path, f"queue `{queue.name}` cannot be its own dead-letter queue")
            elif queue.dead_letter.queue not in queues:
                c.missing(
                    path,
                    f"the dead letter of queue `{queue.name}`",
                    "queue",
                    queue.dead_letter.queue,
                    queues,
                )
        for t, topic in enumerate(aws.topics):
            c.unique(
                (*base, "topics", t, "subscriptions"),
                "subscription",
                [s.name for s in topic.subscriptions],
            )
            for s, sub in enumerate(topic.subscriptions):
                if sub.queue is not None and sub.queue not in queues:
                    c.missing(
                        (*base, "topics", t, "subscriptions", s, "queue"),
                        f"subscription `{sub.name}`",
                        "queue",
                        sub.queue,
                        queues,
                    )
                if sub.service is not None and sub.service not in c.env.services:
                    c.missing(
                        (*base, "topics", t, "subscriptions", s, "service"),
                        f"subscription `{sub.name}`",
                        "service",
                        sub.service,
                        sorted(c.env.services),
                    )
                elif sub.service is not None and c.env.services[sub.service].port is None:
                    c.add(
                        (*base, "topics", t, "subscriptions", s, "service"),
                        f"subscription `{sub.name}` delivers over HTTP to `{sub.service}`, which "
                        "has no port; give the service a port or subscribe a queue",
                    )

        self._check_functions(c, base, queues)

    def _check_functions(self, c: References, base: KeyPath, queues: list[str]) -> None:
        """A function's trigger, zone and dependencies name what is declared; its name is free."""
        aws, env = self.spec, c.env
        c.unique((*base, "functions"), "function", [f.name for f in aws.functions])
        buckets = [b.name for b in aws.buckets]
        targets = sorted({*env.services, *env.components} - {self.name})
        visibility = {q.name: q.visibility_timeout for q in aws.queues}
        for i, fn in enumerate(aws.functions):
            path: KeyPath = (*base, "functions", i)
            what = f"function `{fn.name}`"
            if fn.name in env.services or fn.name in env.components:
                c.add(
                    (*path, "name"),
                    f"{what} is named like a service or component; functions, services and "
                    "components share one namespace, so rename one of them",
                )
            if fn.queue is not None and fn.queue not in queues:
                c.missing((*path, "queue"), what, "queue", fn.queue, queues)
            elif fn.queue is not None and visibility[fn.queue] < fn.timeout:
                c.add(
                    (*path, "timeout"),
                    f"{what} may run {fn.timeout} s, longer than queue `{fn.queue}` hides a "
                    f"message ({visibility[fn.queue]} s), so a message would be handled twice; "
                    "Lambda refuses this: raise the queue's visibility_timeout (AWS advises six "
                    "times the function's timeout) or lower the timeout",
                )
            if fn.bucket is not None and fn.bucket not in buckets:
                c.missing((*path, "bucket"), what, "bucket", fn.bucket, buckets)
            if fn.zone is not None and fn.zone not in env.zones:
                c.missing((*path, "zone"), what, "zone", fn.zone, list(env.zones))
            for k, target in enumerate(fn.depends_on):
                if target not in targets:
                    where = (*path, "depends_on", k)
                    c.missing(where, what, "service or component", target, targets)

    def extra_parts(self) -> dict[str, Component]:
        """Each function, a part of its own (its container, zone and reach)."""
        from greenroom.components.aws.functions.part import FunctionComponent

        return {
            fn.name: FunctionComponent(fn.name, fn, self.name, self.spec)
            for fn in self.spec.functions
        }

    shape = "emulator"
    http_endpoints: Mapping[str, str] = {}
    """Subscription name -> the URL SNS delivers to, for subscribers that are services."""

    def attach(self, others: Mapping[str, Component]) -> None:
        found: dict[str, str] = {}
        for topic in self.spec.topics:
            for sub in topic.subscriptions:
                part = others.get(sub.service or "")
                ports = part.container_ports().get(sub.service or "", ()) if part else ()
                if sub.service and ports:
                    found[sub.name] = f"http://{sub.service}:{ports[0]}{sub.path}"
        self.http_endpoints = found

    def talks_to(self) -> tuple[str, ...]:
        subscribers = {s.service for t in self.spec.topics for s in t.subscriptions if s.service}
        return tuple(sorted({*self.depends_on(), *subscribers}))

    @property
    def emulator(self) -> Emulator:
        return emulators.get(self.spec.emulator)

    def container_ports(self) -> dict[str, tuple[int, ...]]:
        return {self.name: (self.emulator.port,)}

    def service_names(self) -> list[str]:
        """The AWS services the model uses, in LocalStack's SERVICES spelling."""
        spec = self.spec
        used = {
            "s3": bool(spec.buckets),
            "sqs": bool(spec.queues),
            "sns": bool(spec.topics),
            "ssm": bool(spec.parameters),
            "secretsmanager": bool(spec.secrets),
            "logs": bool(spec.log_groups or spec.functions),
        }
        if any(fn.bucket for fn in spec.functions):
            used["sqs"] = True  # a bucket notifies its functions through greenroom's queues
        return [name for name, wanted in used.items() if wanted]

    def services(self, env: Environment, ctx: RenderContext) -> dict[str, Fragment]:
        emulator = self.emulator
        fragment: Fragment = {
            "image": ctx.image(emulator.image, self.spec.version),
            "healthcheck": healthcheck(emulator.health, start_period="20s", retries=60),
            # An emulator's state lives in memory and is re-provisioned by every `up`, so there is
            # nothing for a graceful stop to save: LocalStack's takes ~5 s, which `down` would wait.
            "stop_grace_period": "1s",
        }
        fragment["environment"] = emulator.environment(self.service_names())
        return {self.name: fragment}

    def caption(self) -> str:
        return f"{self.spec.emulator} :{self.emulator.port}"

    def diagram(self) -> Diagram:
        own = super().diagram()
        spec, zone = self.spec, self.zone

        def rid(service: str, name: str) -> str:
            return node_id(f"{self.name}-{service}-{name}")

        nodes = [
            *(Node(rid("s3", b.name), f"s3: {b.name}", "bucket", zone) for b in spec.buckets),
            *(Node(rid("sns", t.name), f"sns: {t.name}", "topic", zone) for t in spec.topics),
            *(Node(rid("sqs", q.name), f"sqs: {q.name}", "queue", zone) for q in spec.queues),
        ]
        edges = [Edge(own.nodes[0].id, n.id, dotted=True) for n in nodes]
        edges += [
            Edge(rid("sns", topic.name), rid("sqs", sub.queue), sub.name)
            for topic in spec.topics
            for sub in topic.subscriptions
            if sub.queue is not None
        ]
        edges += [
            Edge(rid("sqs", q.name), rid("sqs", q.dead_letter.queue), "dead letters", dotted=True)
            for q in spec.queues
            if q.dead_letter
        ]
        edges += [
            Edge(rid("sqs", f.queue) if f.queue else rid("s3", f.bucket or ""), node_id(f.name))
            for f in spec.functions
            if f.queue or f.bucket
        ]
        return Diagram(nodes=(*own.nodes, *nodes), edges=tuple(edges))

    def client(self) -> Client:
        spec = self.spec
        env = {
            "AWS_ENDPOINT_URL": f"http://{self.name}:{self.emulator.port}",
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            **CREDENTIALS,
        }
        return Client(env=env)

    def images(self) -> tuple[str, ...]:
        return (self.emulator.image,)

    def endpoint_url(self, access: Access) -> str:
        """The emulator's endpoint as the host reaches it (what boto3's `endpoint_url` gets)."""
        return f"http://{access.host}:{access.port(self.name, self.emulator.port)}"

    def target(self, access: Access) -> AwsTarget:
        from greenroom.components.aws.provision import AwsTarget

        return AwsTarget(region=self.spec.region, endpoint_url=self.endpoint_url(access))

    def probe(self, access: Access) -> Probe:
        """The emulator's own health over plain HTTP first; then one S3 call, without retries,
        through a client made once (a boto3 client costs far more CPU than the check)."""
        made: list[Any] = []

        def run() -> str:
            endpoint = self.endpoint_url(access)
            self.emulator.ready(endpoint, self.service_names())
            try:
                if not made:
                    made.append(self.target(access).client("s3", attempts=1, timeout=3))
                made[0].list_buckets()
            except Exception as exc:
                raise ProbeFailed(f"S3 ListBuckets failed: {type(exc).__name__}") from None
            return f"{self.spec.emulator} at {endpoint}"

        return run

    def provision(self, access: Access) -> Report:
        from greenroom.components.aws.provision import provision_aws

        return provision_aws(
            self.spec, self.target(access), access.secrets, http_endpoints=self.http_endpoints
        )

    def endpoint(self, access: Access, *, show_secrets: bool = False) -> str | None:
        if not access.has_port(self.name, self.emulator.port):
            return None
        return self.endpoint_url(access)

    def host_env(self, access: Access, *, show_secrets: bool = False) -> dict[str, str]:
        """What boto3 and the AWS CLI read: the emulator's endpoint, region, placeholder keys."""
        if not access.has_port(self.name, self.emulator.port):
            return {}
        region = self.spec.region
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url(access),
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            **CREDENTIALS,
        }

    def _connection(self, region: str, endpoint_url: str | None) -> AwsConnection:
        spec = self.spec
        return AwsConnection(
            region=region,
            endpoint_url=endpoint_url,
            buckets=tuple(b.name for b in spec.buckets),
            queues=tuple(q.name for q in spec.queues),
            topics=tuple(t.name for t in spec.topics),
            emulator=spec.emulator if endpoint_url else None,
        )

    def connect(self, access: Access) -> AwsConnection:
        return self._connection(self.spec.region, self.endpoint_url(access))

    def connect_environ(self, environ: Environ) -> AwsConnection:
        return self._connection(
            environ.get("AWS_REGION") or self.spec.region, environ.get("AWS_ENDPOINT_URL") or None
        )

    def events(self) -> tuple[Carried, ...]:
        return tuple(Carried(topic.name, e) for topic in self.spec.topics for e in topic.events)

    def capture(self, conn: AwsConnection) -> AbstractContextManager[Capture] | None:
        """What the topics that carry declared events deliver from now on."""
        from greenroom.components.aws.capture import capture

        topics = {t.name: [e.subject for e in t.events] for t in self.spec.topics if t.events}
        return capture(conn, topics) if topics else None

    def observe(self, conn: AwsConnection, state: ReplayState) -> dict[str, Observed]:
        from greenroom.components.aws import state as held

        return held.observe(conn, state.prefixes, state.queues)

    def reset(self, conn: AwsConnection, state: ReplayState) -> None:
        from greenroom.components.aws import state as held

        held.reset(conn, state.prefixes, state.queues)

    def reach(self, conn: AwsConnection) -> str:
        return connection.reach(conn)

    def refuse(self, conn: AwsConnection) -> str | None:
        return connection.refuse(conn)
