"""What every component shares: the render context it receives and the contract it fulfils."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, Protocol, TypeVar

from greenroom.components.access import Access, HttpConnection, Probe, probe_http
from greenroom.components.report import Report
from greenroom.model.types import EventContract, ReplayState, Resources

if TYPE_CHECKING:
    from pathlib import Path

    from pydantic import BaseModel

    from greenroom.components.environ import Environ
    from greenroom.model.environment import Environment
    from greenroom.model.refs import References

Fragment = dict[str, Any]
"""One Compose service, as the mapping that lands under `services.<name>`."""

Readiness = Literal["service_healthy", "service_completed_successfully", "service_started"]


@dataclass(frozen=True)
class RenderContext:
    """Everything a render needs besides the model; gathered by the caller so rendering stays pure.

    ``images``: logical image name (postgres, nginx...) -> ref. ``app_images``: team service ->
    the image ID it runs (built or resolved). ``host_ports``: Compose service -> container port ->
    (first) host port.
    ``compose_override``: the text of `compose/<env>.override.yaml`, merged last ("" for none).
    ``subnets``: network -> the subnet the runtime chose for it (the engine picks when absent).
    """

    project: str
    images: Mapping[str, str] = field(default_factory=dict)
    app_images: Mapping[str, str] = field(default_factory=dict)
    host_ports: Mapping[str, Mapping[int, int]] = field(default_factory=dict)
    compose_override: str = ""
    subnets: Mapping[str, str] = field(default_factory=dict)

    def image(self, name: str, version: str | None = None) -> str:
        """The ref of an infrastructure image, `greenroom/<name>:<tag>` unless the context says."""
        if name in self.images:
            return self.images[name]
        from greenroom.images.catalog import NAMESPACE, default_tag

        return f"{NAMESPACE}/{name}:{version or default_tag(name)}"


@dataclass(frozen=True)
class Client:
    """How a dependant reaches a component: variables to set and the secrets they point at."""

    env: Mapping[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()


def literal(text: str) -> str:
    """Escape `$` so Compose passes a value through instead of interpolating it."""
    return text.replace("$", "$$")


def secret_path(secret: str) -> str:
    """Where Compose mounts a secret inside a container."""
    return f"/run/secrets/{secret}"


def healthcheck(test: list[str], *, start_period: str = "10s", retries: int = 30) -> Fragment:
    """A Compose healthcheck with greenroom's cadence: quick polls, patient start."""
    return {
        "test": test,
        "interval": "5s",
        "timeout": "5s",
        "retries": retries,
        "start_period": start_period,
    }


def shell(script: str) -> list[str]:
    """A healthcheck or entrypoint that needs a shell: `sh -c` with Compose's `$` escaped."""
    return ["sh", "-c", literal(script)]


def limits(resources: Resources | None) -> Fragment:
    """`deploy.resources.limits` from the model's resources (empty when none are set)."""
    if resources is None:
        return {}
    out: Fragment = {}
    if resources.cpus is not None:
        out["cpus"] = str(resources.cpus)
    if resources.memory is not None:
        out["memory"] = resources.memory
    return out


@dataclass(frozen=True)
class ScrapeTarget:
    """Where a Prometheus finds one service's metrics inside the replica.

    ``replicas`` > 1: the name resolves to every container (DNS service discovery).
    """

    job: str
    host: str
    port: int
    path: str = "/metrics"
    replicas: int = 1


@dataclass(frozen=True)
class Fixture:
    """A pytest fixture a kind gives a team's tests, made from its connection (or standalone).

    ``make`` returns the value, or is a generator that yields it and cleans up after the test.
    """

    make: Callable[..., Any]
    scope: Literal["session", "module", "function"] = "function"
    doc: str = ""
    standalone: bool = False
    """Needs no environment: ``make`` takes no connection (a throwaway container, say)."""


@dataclass(frozen=True)
class Carried:
    """An event schema and the stream or topic of the component it travels on."""

    carrier: str
    event: EventContract


@dataclass(frozen=True)
class Published:
    """One message seen on a carrier while a suite ran; ``where`` says where it was found."""

    subject: str
    body: bytes
    where: str


Capture = Callable[[], list[Published]]
"""Returns what was published on the component's carriers since the capture began."""


@dataclass(frozen=True)
class Observed:
    """What a replay's digest reads of one named thing: one line per row, object or message."""

    lines: tuple[str, ...]
    drained: bool = False
    """Reading took the lines away (queue messages): each reading adds to the last."""


class NotRefused(AssertionError):
    """A component let in a client that should have been refused."""


class Unreachable(AssertionError):
    """A component did not answer as the environment's credentials say it should."""


Shape = Literal["service", "job", "database", "queue", "topic", "bucket", "gateway", "emulator"]


@dataclass(frozen=True)
class Node:
    """A box in the diagram; ``zone`` places it in that zone's subgraph."""

    id: str
    label: str
    shape: Shape
    zone: str


@dataclass(frozen=True)
class Edge:
    """An arrow in the diagram between node ids."""

    source: str
    target: str
    label: str = ""
    dotted: bool = False


@dataclass(frozen=True)
class Diagram:
    """A component's own part of the environment diagram."""

    nodes: tuple[Node, ...] = ()
    edges: tuple[Edge, ...] = ()


def _identifier(name: str) -> str:
    """A model name with every character but letters and digits turned into `_`."""
    return "".join(c if c.isalnum() else "_" for c in name)


def url_variable(name: str) -> str:
    """The variable holding a part's URL on the host: `api` -> `API_URL`, `my-db` -> `MY_DB_URL`."""
    return _identifier(name).upper() + "_URL"


def node_id(name: str) -> str:
    """A Mermaid/Graphviz-safe id for a model name."""
    return "n_" + _identifier(name)


class Component(Protocol):
    """The render side of a component; the runtime side (probe, provision, smoke) joins it later."""

    kind: ClassVar[str]
    name: str

    @property
    def zone(self) -> str:
        """The zone (Compose network) the component lives in."""

    def check(self, c: References) -> None:
        """Add a problem to ``c`` for each name this entry points at that is not declared."""

    def container_ports(self) -> dict[str, tuple[int, ...]]:
        """Compose service -> the ports its containers listen on (what may be published)."""

    def services(self, env: Environment, ctx: RenderContext) -> dict[str, Fragment]:
        """The Compose service fragments, without networks, ports, labels or depends_on."""

    def volumes(self) -> tuple[str, ...]:
        """Named volumes the fragments mount."""

    def files(self, env: Environment) -> dict[str, str]:
        """Generated non-secret config files, relative path -> text."""

    def secrets(self) -> tuple[str, ...]:
        """Declared secrets the fragments mount."""

    def depends_on(self) -> tuple[str, ...]:
        """Model names (components or services) this must start after."""

    def talks_to(self) -> tuple[str, ...]:
        """Model names it connects to, whose zones it joins (its dependencies and more)."""

    def attach(self, others: Mapping[str, Component]) -> None:
        """Called once every part of the environment is bound, for kinds that use the others."""

    def extra_parts(self) -> dict[str, Component]:
        """Further parts it brings into the environment, by model name (an AWS function's
        container): each has its own zone, reach and Compose service."""

    def build_images(self, env: Environment, root: Path) -> dict[str, str]:
        """Images it builds from the project's files, by Compose service: their IDs."""

    def build_folders(self) -> tuple[str, ...]:
        """Folders of the project (relative) its images are built from: a change means rebuild."""

    def scrape_targets(self) -> tuple[ScrapeTarget, ...]:
        """The metrics endpoints it offers a Prometheus of the environment."""

    def readiness(self) -> Readiness:
        """What dependants wait for: healthy, completed (one-shots) or merely started."""

    def client(self) -> Client:
        """What a dependant needs in its environment to reach this."""

    def replicas(self) -> int:
        """How many containers the primary service runs (host port ranges need it)."""

    def diagram(self) -> Diagram:
        """Its nodes and internal edges in the environment diagram (dependencies are added)."""

    def images(self) -> tuple[str, ...]:
        """Logical names of the infrastructure images it runs (`greenroom.images`)."""

    def probe(self, access: Access) -> Probe | None:
        """A check of its real protocol through its host port; None when there is none."""

    def provision(self, access: Access) -> Report | None:
        """Create or converge what the model declares on it; None when it declares nothing."""

    def endpoint(self, access: Access, *, show_secrets: bool = False) -> str | None:
        """How a person reaches it from the host: a URL or a connection string."""

    def host_env(self, access: Access, *, show_secrets: bool = False) -> dict[str, str]:
        """Variables a shell on the host needs to reach it (`inv env`); secrets masked unless
        asked. Empty when the host cannot reach it."""

    def connect(self, access: Access) -> Any | None:
        """What a suite or a test needs to reach it on a replica; None when nothing can."""

    def connect_environ(self, environ: Environ) -> Any | None:
        """The same, for a deployed environment, from ``GREENROOM_*`` variables."""

    def reach(self, conn: Any) -> str | None:
        """Prove it answers with the environment's credentials; None when there is no check."""

    def refuse(self, conn: Any) -> str | None:
        """Prove a client without credentials is refused; None when there is nothing to refuse."""

    def events(self) -> tuple[Carried, ...]:
        """The event schemas the model declares on its streams or topics."""

    def capture(self, conn: Any) -> AbstractContextManager[Capture] | None:
        """Watch its carriers from now on; None when it carries no declared events."""

    def observe(self, conn: Any, state: ReplayState) -> dict[str, Observed]:
        """What it holds of the state a replay compares (``table orders``...), by item."""

    def reset(self, conn: Any, state: ReplayState) -> None:
        """Empty what it holds of that state, as on a fresh replica."""

    fixtures: ClassVar[Mapping[str, Fixture]]
    """pytest fixtures it offers a team's tests, by fixture name."""
    why_nothing_to_refuse: ClassVar[str]


S = TypeVar("S")


def one_shot(part: Component) -> bool:
    """Whether ``part`` runs to completion (a migration) rather than staying up."""
    return part.readiness() == "service_completed_successfully"


class Base(Generic[S]):
    """Defaults shared by the component classes: one service named after the model entry."""

    kind: ClassVar[str] = ""
    spec_model: ClassVar[type[BaseModel] | None] = None
    """The pydantic model of its entry under `components:` (None: not declared there)."""
    shape: ClassVar[Shape] = "service"

    def __init__(self, name: str, spec: S) -> None:
        self.name = name
        self.spec = spec

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"

    @property
    def zone(self) -> str:
        return str(getattr(self.spec, "zone", "app"))

    def check(self, c: References) -> None:
        """Add a problem to ``c`` for each name this entry points at that is not declared."""

    def container_ports(self) -> dict[str, tuple[int, ...]]:
        return {}

    def services(self, env: Environment, ctx: RenderContext) -> dict[str, Fragment]:
        return {}

    def volumes(self) -> tuple[str, ...]:
        return ()

    def files(self, env: Environment) -> dict[str, str]:
        return {}

    def secrets(self) -> tuple[str, ...]:
        return ()

    def depends_on(self) -> tuple[str, ...]:
        return ()

    def talks_to(self) -> tuple[str, ...]:
        return self.depends_on()

    def attach(self, others: Mapping[str, Component]) -> None:
        return None

    def extra_parts(self) -> dict[str, Component]:
        return {}

    def build_images(self, env: Environment, root: Path) -> dict[str, str]:
        return {}

    def build_folders(self) -> tuple[str, ...]:
        return ()

    def scrape_targets(self) -> tuple[ScrapeTarget, ...]:
        return ()

    def readiness(self) -> Readiness:
        return "service_healthy"

    def client(self) -> Client:
        return Client()

    def replicas(self) -> int:
        return 1

    def caption(self) -> str:
        """The second line of its diagram label: what it runs and where it listens."""
        version = getattr(self.spec, "version", None)
        ports = sorted({p for ps in self.container_ports().values() for p in ps})
        text = f"{self.kind} {version}" if version else self.kind
        return text + "".join(f" :{p}" for p in ports[:1])

    def node_shape(self) -> Shape:
        """How its diagram node is drawn."""
        return self.shape

    def diagram(self) -> Diagram:
        label = f"{self.name}<br/>{self.caption()}"
        return Diagram(nodes=(Node(node_id(self.name), label, self.node_shape(), self.zone),))

    def images(self) -> tuple[str, ...]:
        return ()

    def probe(self, access: Access) -> Probe | None:
        return None

    def provision(self, access: Access) -> Report | None:
        return None

    def endpoint(self, access: Access, *, show_secrets: bool = False) -> str | None:
        return None

    def host_env(self, access: Access, *, show_secrets: bool = False) -> dict[str, str]:
        """`<NAME>_URL` with its endpoint; kinds with conventional variables give those instead."""
        url = self.endpoint(access, show_secrets=show_secrets)
        return {url_variable(self.name): url} if url else {}

    def connect(self, access: Access) -> Any | None:
        return None

    def connect_environ(self, environ: Environ) -> Any | None:
        return None

    def reach(self, conn: Any) -> str | None:
        return None

    def refuse(self, conn: Any) -> str | None:
        return None

    def events(self) -> tuple[Carried, ...]:
        return ()

    def capture(self, conn: Any) -> AbstractContextManager[Capture] | None:
        return None

    def observe(self, conn: Any, state: ReplayState) -> dict[str, Observed]:
        return {}

    def reset(self, conn: Any, state: ReplayState) -> None:
        return None

    fixtures: ClassVar[Mapping[str, Fixture]] = {}
    why_nothing_to_refuse: ClassVar[str] = "auth is off in this environment"


class HttpComponent(Base[S]):
    """A kind that answers HTTP on its own service's first port and is healthy when ``health``
    answers 2xx: its probe, endpoint and suite connection follow from those two."""

    health: ClassVar[str] = "/"

    def url(self, access: Access) -> str:
        """Its base URL on the host."""
        return f"http://{access.host}:{access.port(self.name, self._port())}"

    def _port(self) -> int:
        return self.container_ports()[self.name][0]

    def probe(self, access: Access) -> Probe:
        return probe_http(self.url(access) + self.health)

    def endpoint(self, access: Access, *, show_secrets: bool = False) -> str | None:
        return self.url(access) if access.has_port(self.name, self._port()) else None

    def connect(self, access: Access) -> HttpConnection | None:
        if not access.has_port(self.name, self._port()):
            return None
        return HttpConnection(self.url(access), self.health)

    def reach(self, conn: HttpConnection) -> str:
        return conn.reach()
