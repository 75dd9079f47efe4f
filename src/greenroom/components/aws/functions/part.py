"""A function as a part of the environment: its own container, zone and reach, like a service.

It listens on no port; it talks to the AWS component (its trigger, its logs) and to whatever its
``depends_on`` names, so the reach rules and zones apply to it as to anything else.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from greenroom.components import register
from greenroom.components.aws.spec import Aws, Function
from greenroom.components.base import Base, Client, Fragment, Readiness, RenderContext, literal

if TYPE_CHECKING:
    from greenroom.components.base import Component
    from greenroom.model.environment import Environment

RUNNER = "/greenroom/runner.py"


def log_group(name: str) -> str:
    """The CloudWatch Logs group Lambda writes a function's lines to."""
    return f"/aws/lambda/{name}"


def notification_queue(name: str) -> str:
    """greenroom's internal SQS queue that a bucket's notifications for ``name`` go to."""
    return f"greenroom-function-{name}"


@register("aws-function")
class FunctionComponent(Base[Function]):
    """One function of an `aws` component; bound by that component, never declared on its own."""

    shape = "job"
    why_nothing_to_refuse = "a function listens on no port"

    def __init__(self, name: str, spec: Function, aws: str = "aws", home: Aws | None = None):
        super().__init__(name, spec)
        self.aws = aws
        self.home = home or Aws()
        self.others: Mapping[str, Component] = {}

    @property
    def zone(self) -> str:
        return self.spec.zone or self.home.zone

    def depends_on(self) -> tuple[str, ...]:
        return (self.aws, *self.spec.depends_on)

    def attach(self, others: Mapping[str, Component]) -> None:
        self.others = others

    def readiness(self) -> Readiness:
        return "service_started"

    def images(self) -> tuple[str, ...]:
        return ("python",)

    def caption(self) -> str:
        return f"{self.spec.runtime} on {self.spec.trigger}"

    def config(self) -> dict[str, object]:
        """What the runner inside reads: the handler, its limits and its trigger."""
        spec = self.spec
        out: dict[str, object] = {
            "name": self.name,
            "handler": spec.handler,
            "memory": spec.memory,
            "timeout": spec.timeout,
            "region": self.home.region,
            "log_group": log_group(self.name),
            "trigger": spec.trigger,
        }
        if spec.queue is not None:
            out |= {"queue": spec.queue, "batch_size": spec.batch_size}
        elif spec.bucket is not None:
            out["notifications"] = notification_queue(self.name)
        else:
            out["schedule"] = spec.schedule
        return out

    def secrets(self) -> tuple[str, ...]:
        return tuple(sorted({s for c in self._clients() for s in c.secrets}))

    def _clients(self) -> list[Client]:
        return [self.others[n].client() for n in self.depends_on() if n in self.others]

    def services(self, env: Environment, ctx: RenderContext) -> dict[str, Fragment]:
        from greenroom.components.aws.functions.image import function_tag

        spec = self.spec
        environment: dict[str, str] = {}
        for client in self._clients():
            environment |= client.env
        environment |= {
            "AWS_LAMBDA_FUNCTION_NAME": self.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": log_group(self.name),
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "_HANDLER": spec.handler,
            "GREENROOM_FUNCTION": json.dumps(self.config(), sort_keys=True),
            **spec.env,
        }
        fragment: Fragment = {
            "image": ctx.app_images.get(self.name) or function_tag(env.project, self.name),
            "command": ["python3", RUNNER],
            "environment": {key: literal(value) for key, value in environment.items()},
            "deploy": {"resources": {"limits": {"memory": f"{spec.memory}m"}}},
            "stop_grace_period": "2s",
        }
        if self.secrets():
            fragment["secrets"] = list(self.secrets())
        return {self.name: fragment}

    def build_images(self, env: Environment, root: Path) -> dict[str, str]:
        from greenroom.components.aws.functions.image import build_function_image

        return {self.name: build_function_image(root, env.project, self.spec)}

    def build_folders(self) -> tuple[str, ...]:
        return (self.spec.code,)
