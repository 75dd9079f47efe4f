"""A function's image: greenroom's Python with boto3 (as Lambda's runtime has it), the function's
requirements.txt, its code in /var/task and greenroom's runner, built without a registry."""

from __future__ import annotations

import shutil
import tempfile
from importlib.metadata import version
from pathlib import Path

from greenroom.components.aws.spec import Function
from greenroom.errors import ImageError

HERE = Path(__file__).parent
TASK_ROOT = "/var/task"
IGNORED = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".mypy_cache", "*.pyc")


def function_tag(project: str, name: str) -> str:
    """Where a function's image is tagged: `greenroom-app/<project>-function-<name>:latest`."""
    from greenroom.images.services import APP_NAMESPACE

    return f"{APP_NAMESPACE}/{project}-function-{name}:latest".lower()


def dockerfile(requirements: bool) -> str:
    """The image's Dockerfile; boto3 at the version greenroom itself runs."""
    lines = [
        "# An AWS Lambda function as greenroom runs it; generated, not for editing.",
        "FROM python:3.13-slim",
        f"ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 HOME=/tmp LAMBDA_TASK_ROOT={TASK_ROOT}",
        "RUN pip install --no-cache-dir --disable-pip-version-check --root-user-action=ignore "
        f"boto3=={version('boto3')}",
    ]
    if requirements:
        lines += [
            f"COPY code/requirements.txt {TASK_ROOT}/requirements.txt",
            "RUN pip install --no-cache-dir --disable-pip-version-check --root-user-action=ignore "
            f"-r {TASK_ROOT}/requirements.txt",
        ]
    lines += [
        "COPY runner.py greenroom_schedule.py /greenroom/",
        f"COPY code {TASK_ROOT}",
        f"WORKDIR {TASK_ROOT}",
        "USER 993:993",
        'CMD ["python3", "/greenroom/runner.py"]',
    ]
    return "\n".join(lines) + "\n"


def build_function_image(root: Path, project: str, function: Function) -> str:
    """Build ``function``'s image from its folder under ``root``; its image ID. Unchanged inputs
    return the existing image unbuilt."""
    from greenroom.images.build import build_service_image

    code = Path(root) / function.code
    if not code.is_dir():
        raise ImageError(
            f"function {function.name}: its code folder {function.code} does not exist",
            hint=f"create {code}, or point the function's code: at the folder with its handler",
        )
    with tempfile.TemporaryDirectory(prefix="greenroom-function-") as tmp:
        staged = Path(tmp)
        shutil.copytree(code, staged / "code", ignore=IGNORED)
        shutil.copyfile(HERE / "runner.py", staged / "runner.py")
        shutil.copyfile(HERE / "schedule.py", staged / "greenroom_schedule.py")
        (staged / "Dockerfile").write_text(dockerfile((code / "requirements.txt").is_file()))
        return build_service_image(
            staged, f"function {function.name}", ".", function_tag(project, function.name)
        )
