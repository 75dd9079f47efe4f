"""Ship the candidate's images to the target's registry by digest: never a rebuild.

One ECR repository per service, IMMUTABLE tags, credentials from ``get_authorization_token``. The
registry's manifest after the push must name the candidate's image, or the promotion stops.
"""

from __future__ import annotations

import base64
import contextlib
import json
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from greenroom.release.errors import Refused, ReleaseError
from greenroom.release.target import AwsTarget, aws_call

MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ]
)


@dataclass(frozen=True)
class Registry:
    """Where pushes go (``host[:port]``), over which scheme, with which credentials."""

    url: str
    username: str
    password: str

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc

    def manifest(self, repository: str, reference: str) -> tuple[str, str, str]:
        """(manifest text, media type, digest) of ``repository:reference``."""
        request = urllib.request.Request(
            f"{self.url}/v2/{repository}/manifests/{reference}",
            headers={"Accept": MANIFEST_TYPES, "Authorization": self._basic()},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                text = answer.read().decode()
                return text, answer.headers["Content-Type"], answer.headers["Docker-Content-Digest"]
        except (urllib.error.URLError, OSError) as exc:
            raise Refused(
                "transport",
                f"the registry {self.host} did not give the manifest of {repository}:{reference}"
                f" ({exc})",
                hint="check that the registry is reachable from this machine, then retry",
            ) from exc

    @property
    def auth(self) -> dict[str, str]:
        return {"username": self.username, "password": self.password}

    def _basic(self) -> str:
        pair = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(pair).decode()


def tag_for(image: str) -> str:
    """The immutable tag of an image: its own ID, shortened (the same image, the same tag)."""
    return "sha-" + image.removeprefix("sha256:")[:16]


def registry(target: AwsTarget, ecr: Any) -> Registry:
    """The registry of ``target`` with a fresh token from ECR."""
    token = aws_call("getting a registry token from ECR", ecr.get_authorization_token)
    data = token["authorizationData"][0]
    username, password = base64.b64decode(data["authorizationToken"]).decode().split(":", 1)
    return Registry(
        url=target.registry or data["proxyEndpoint"], username=username, password=password
    )


def repository_uri(ecr: Any, name: str) -> str:
    """Create the repository (IMMUTABLE tags) if missing; its URI."""
    aws_call(
        f"creating the ECR repository {name}",
        ecr.create_repository,
        tolerate=("RepositoryAlreadyExistsException",),
        repositoryName=name,
        imageTagMutability="IMMUTABLE",
    )
    found = aws_call(
        f"describing the ECR repository {name}", ecr.describe_repositories, repositoryNames=[name]
    )
    return str(found["repositories"][0]["repositoryUri"])


def _refused(what: str, host: str, why: object) -> Refused:
    return Refused(
        "transport",
        f"{what} failed: {why}",
        hint=f"check that the registry {host} is reachable from this machine and accepts the "
        "token, then run the promotion again",
    )


@contextlib.contextmanager
def _engine(what: str, host: str) -> Iterator[Any]:
    """The engine's API for one registry operation; its failures name the registry."""
    from docker.errors import DockerException

    from greenroom.images.engine import api

    try:
        yield api()
    except DockerException as exc:
        raise _refused(what, host, exc) from exc


def _follow(what: str, host: str, events: Iterable[dict[str, Any]]) -> None:
    for event in events:
        if "error" in event:
            raise _refused(what, host, event["error"])


def _push(reg: Registry, image: str, repository: str, tag: str) -> None:
    name = f"{reg.host}/{repository}"
    with _engine(f"pushing {name}:{tag}", reg.host) as engine:
        engine.tag(image, name, tag)
        try:
            events = engine.push(name, tag=tag, auth_config=reg.auth, stream=True, decode=True)
            _follow(f"pushing {name}:{tag}", reg.host, events)
        finally:
            engine.remove_image(f"{name}:{tag}", noprune=True)


def _local(service: str, image: str) -> None:
    from greenroom.images.engine import image_id

    if image_id(image) is None:
        raise Refused(
            "transport",
            f"{service}'s image {image} is not on this machine, and no environment it came "
            "from runs it",
            hint="promote from the machine whose suites recorded it (its images are there)",
        )


@dataclass(frozen=True)
class Origin:
    """Where the candidate already runs (prod's origin is stage): images are copied from there."""

    env: str
    registry: Registry
    refs: Mapping[str, str]
    """Service -> ``repositoryUri@sha256:...`` in the origin's registry."""

    def pull(self, service: str, image: str) -> None:
        """Pull ``service``'s image by digest; Refused unless it is exactly ``image``."""
        from greenroom.images.engine import image_id

        uri, digest = self.refs[service].split("@", 1)
        name = f"{self.registry.host}/{uri.split('/', 1)[1]}"
        with _engine(f"pulling {name}@{digest} from {self.env}", self.registry.host) as engine:
            events = engine.pull(
                name, tag=digest, auth_config=self.registry.auth, stream=True, decode=True
            )
            _follow(f"pulling {name}@{digest} from {self.env}", self.registry.host, events)
        pulled = image_id(f"{name}@{digest}")
        if pulled != image:
            raise Refused(
                "digest",
                f"{self.env}'s registry gave {pulled} for {service}, not the candidate's {image}",
                hint=f"investigate {self.refs[service]} before promoting",
            )


def _names(image: str, text: str, digest: str) -> bool:
    """Does the manifest ``text`` (with ``digest``) carry the image ``image``?"""
    if digest == image:
        return True
    config = json.loads(text).get("config") or {}
    return bool(config.get("digest") == image)


def _registered(ecr: Any, repository: str, tag: str) -> str | None:
    found = aws_call(
        f"looking up {repository}:{tag} in ECR",
        ecr.describe_images,
        tolerate=("ImageNotFoundException",),
        repositoryName=repository,
        imageIds=[{"imageTag": tag}],
    )
    details = (found or {}).get("imageDetails") or []
    return str(details[0]["imageDigest"]) if details else None


def ship(
    target: AwsTarget,
    images: Mapping[str, str],
    ecr: Any | None = None,
    origin: Origin | None = None,
) -> dict[str, str]:
    """Push each service's image (copied from ``origin`` when given, else this machine's);
    service -> ``repositoryUri@sha256:...`` naming it in ECR."""
    ecr = ecr if ecr is not None else target.client("ecr")
    reg = registry(target, ecr)
    refs: dict[str, str] = {}
    for service, image in sorted(images.items()):
        repository = target.repository(service)
        uri = repository_uri(ecr, repository)
        tag = tag_for(image)
        if _registered(ecr, repository, tag) is None:
            if origin is not None and service in origin.refs:
                origin.pull(service, image)
            _local(service, image)
            _push(reg, image, repository, tag)
        text, media_type, digest = reg.manifest(repository, tag)
        if not _names(image, text, digest):
            raise Refused(
                "digest",
                f"after the push, {repository}:{tag} in the registry is {digest}, which does not "
                f"carry the candidate's image {image}",
                hint=f"the tag {tag} was taken by another image: delete it from {repository} "
                "after checking who pushed it, then promote again",
            )
        _register(ecr, repository, text, media_type, tag, digest)
        refs[service] = f"{uri}@{digest}"
    return refs


def _register(ecr: Any, repository: str, text: str, media_type: str, tag: str, digest: str) -> None:
    """ECR knows the pushed manifest under ``tag``, with the registry's own digest."""
    aws_call(
        f"registering {repository}:{tag} in ECR",
        ecr.put_image,
        tolerate=("ImageAlreadyExistsException", "ImageTagAlreadyExistsException"),
        repositoryName=repository,
        imageManifest=text,
        imageManifestMediaType=media_type,
        imageTag=tag,
        imageDigest=digest,
    )
    found = _registered(ecr, repository, tag)
    if found != digest:
        raise ReleaseError(
            f"ECR names {repository}:{tag} as {found}, the registry as {digest}",
            hint="the repository's tag belongs to another image: investigate before promoting",
        )
