"""AWS functions: their model, their part of the replica, EventBridge schedules and the runner."""

from __future__ import annotations

import io
import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from greenroom.components import RenderContext, parts
from greenroom.components.aws.functions import runner
from greenroom.components.aws.functions import schedule as schedule_module
from greenroom.components.aws.functions.image import dockerfile
from greenroom.components.aws.functions.schedule import Cron, Rate, ScheduleError, parse
from greenroom.components.aws.provision import AwsTarget, provision_aws
from greenroom.components.aws.spec import Function
from greenroom.model.environment import Environment
from greenroom.model.reach import admissions

MAILER = {"name": "mailer", "runtime": "python3.12", "handler": "mail.handler", "code": "fn/mail"}


def _env(*functions: dict[str, Any], **aws: Any) -> Environment:
    return Environment.model_validate(
        {
            "name": "dev",
            "project": "shop",
            "zones": {"app": {}, "data": {}},
            "services": {"api": {"build": "app", "port": 8000, "depends_on": ["aws"]}},
            "components": {
                "postgres": {"kind": "postgres", "password": {"secret": "pg"}},
                "aws": {
                    "kind": "aws",
                    "zone": "app",
                    "emulator": "moto",
                    "queues": [{"name": "mail", "visibility_timeout": 60}],
                    "buckets": [{"name": "uploads"}],
                    "functions": list(functions),
                    **aws,
                },
            },
            "secrets": {"pg": {"generate": True}},
        }
    )


# --- model ------------------------------------------------------------------------------------


def test_a_function_has_lambdas_defaults_and_one_trigger():
    fn = Function.model_validate({**MAILER, "queue": "mail"})
    assert (fn.memory, fn.timeout, fn.batch_size, fn.trigger) == (128, 3, 10, "queue mail")
    with pytest.raises(ValidationError, match="exactly one trigger"):
        Function.model_validate(MAILER)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"runtime": "nodejs20.x"}, "runs Python functions only"),
        ({"memory": 10241}, "128 to 10240 MB"),
        ({"timeout": 0}, "1 to 900 seconds"),
        ({"handler": "mail"}, "is not `module.function`"),
        ({"bucket": "uploads", "queue": None, "batch_size": 2}, "queue trigger only"),
        ({"schedule": "rate(1 hour)", "queue": None, "prefix": "in/"}, "bucket trigger only"),
        ({"schedule": "cron(0 5 * * *)", "queue": None}, r"become cron\(0 5 \* \* \? \*\)"),
    ],
)
def test_what_lambda_refuses_the_model_refuses(extra: dict[str, Any], message: str):
    with pytest.raises(ValidationError, match=message):
        Function.model_validate({**MAILER, "queue": "mail", **extra})


# --- its part of the replica ------------------------------------------------------------------


def test_each_function_is_a_part_of_its_own_that_reaches_the_emulator_and_its_dependencies():
    env = _env(
        {**MAILER, "queue": "mail", "memory": 256},
        {**MAILER, "name": "nightly", "schedule": "rate(1 day)", "depends_on": ["postgres"]},
    )
    everything = parts(env)
    assert everything["mailer"].depends_on() == ("aws",)
    assert everything["mailer"].zone == "app"
    table = admissions(env)
    assert {"mailer", "nightly"} <= set(table["aws"])
    assert "nightly" in table["postgres"] and "mailer" not in table["postgres"]
    fragment = everything["nightly"].services(env, RenderContext(project="p"))["nightly"]
    assert fragment["secrets"] == ["pg"]
    assert fragment["environment"]["PGHOST"] == "postgres"
    mailer = everything["mailer"].services(env, RenderContext(project="p"))["mailer"]
    assert mailer["deploy"] == {"resources": {"limits": {"memory": "256m"}}}
    assert mailer["image"] == "greenroom-app/shop-function-mailer:latest"
    assert mailer["environment"]["AWS_ENDPOINT_URL"] == "http://aws:4566"
    assert mailer["environment"]["AWS_LAMBDA_FUNCTION_VERSION"] == "$$LATEST"
    assert json.loads(mailer["environment"]["GREENROOM_FUNCTION"]) == {
        "name": "mailer",
        "handler": "mail.handler",
        "memory": 256,
        "timeout": 3,
        "region": "us-east-1",
        "log_group": "/aws/lambda/mailer",
        "trigger": "queue mail",
        "queue": "mail",
        "batch_size": 10,
    }
    built = RenderContext(project="p", app_images={"mailer": "sha256:abc"})
    assert everything["mailer"].services(env, built)["mailer"]["image"] == "sha256:abc"


def test_the_image_installs_requirements_only_when_the_function_has_them():
    assert "requirements.txt" not in dockerfile(requirements=False)
    assert "-r /var/task/requirements.txt" in dockerfile(requirements=True)
    assert "FROM python:3.13-slim" in dockerfile(requirements=True)


def test_a_bucket_notifies_its_functions_through_greenrooms_queue():
    from moto import mock_aws

    env = _env({**MAILER, "name": "thumbs", "bucket": "uploads", "prefix": "in/", "suffix": ".jpg"})
    with mock_aws():
        target = AwsTarget(region="us-east-1")
        report = provision_aws(env.components["aws"], target, {})  # type: ignore[arg-type]
        config = target.client("s3").get_bucket_notification_configuration(Bucket="uploads")
    (queue,) = config["QueueConfigurations"]
    assert queue["QueueArn"].endswith(":greenroom-function-thumbs")
    assert queue["Events"] == ["s3:ObjectCreated:*"]
    rules = {r["Name"].lower(): r["Value"] for r in queue["Filter"]["Key"]["FilterRules"]}
    assert rules == {"prefix": "in/", "suffix": ".jpg"}
    assert "s3 notifications uploads -> thumbs" in report.done


# --- schedules --------------------------------------------------------------------------------

NOW = datetime(2026, 11, 30, 10, 20, 30, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("cron(0 5 * * ? *)", datetime(2026, 12, 1, 5, 0, tzinfo=UTC)),
        ("cron(0/15 * * * ? *)", datetime(2026, 11, 30, 10, 30, tzinfo=UTC)),
        ("cron(0 9 ? * MON-FRI *)", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
        ("cron(0 12 ? * 2 *)", datetime(2026, 11, 30, 12, 0, tzinfo=UTC)),  # 2 is Monday
        ("cron(0 12 L * ? *)", datetime(2026, 11, 30, 12, 0, tzinfo=UTC)),
        ("cron(0 8 ? * 6#3 *)", datetime(2026, 12, 18, 8, 0, tzinfo=UTC)),
        ("cron(0 8 ? * FRIL *)", datetime(2026, 12, 25, 8, 0, tzinfo=UTC)),
        ("cron(0 0 1W * ? *)", datetime(2026, 12, 1, 0, 0, tzinfo=UTC)),
        ("cron(0 0 15W 8 ? 2027)", datetime(2027, 8, 16, 0, 0, tzinfo=UTC)),  # 15th: Sunday
        ("cron(30 1 29 FEB ? 2027-2029)", datetime(2028, 2, 29, 1, 30, tzinfo=UTC)),
        ("cron(0 10 30 11 ? 2026)", None),
    ],
)
def test_cron_fires_when_eventbridge_would(expression: str, expected: datetime | None):
    schedule = parse(expression)
    assert isinstance(schedule, Cron)
    assert schedule.next_after(NOW) == expected


def test_a_rate_counts_from_when_the_schedule_started():
    schedule = parse("rate(15 minutes)")
    assert schedule == Rate(900)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert schedule.next_after(start, start=start) == datetime(2026, 1, 1, 0, 15, tzinfo=UTC)
    later = datetime(2026, 1, 1, 0, 29, tzinfo=UTC)
    assert schedule.next_after(later, start=start) == datetime(2026, 1, 1, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("cron(0 5 * * * *)", "exactly one of day-of-month and day-of-week"),
        ("cron(0 5 ? * ? *)", "exactly one of day-of-month and day-of-week"),
        ("cron(60 5 * * ? *)", "minutes: '60' is not a value from 0 to 59"),
        ("cron(0 5 ? * FUN *)", "day-of-week: 'FUN' is not a value from 1 to 7 or SUN-SAT"),
        ("cron(0 5 10-2 * ? *)", "runs backwards"),
        ("cron(0 5 * * ? 1969)", "year: '1969'"),
        ("rate(1 hours)", r"wants rate\(1 hour\)"),
        ("rate(0 minutes)", "at least 1"),
        ("rate(2 weeks)", "minute"),
        ("at(2026-01-01T00:00:00)", "is not a schedule expression"),
    ],
)
def test_what_eventbridge_refuses_is_refused_with_the_way_to_write_it(
    expression: str, message: str
):
    with pytest.raises(ScheduleError, match=message):
        parse(expression)


# --- the runner -------------------------------------------------------------------------------

CONFIG = {
    "name": "nightly",
    "handler": "nightly.handler",
    "memory": 128,
    "timeout": 1,
    "region": "eu-west-1",
    "log_group": "/aws/lambda/nightly",
    "trigger": "rate(1 day)",
    "schedule": "rate(1 day)",
}


def test_an_sqs_message_is_handed_over_as_lambdas_event_source_mapping_does():
    message = {"MessageId": "m1", "ReceiptHandle": "r1", "Body": "{}", "MD5OfBody": "x"}
    record = runner.sqs_record(message, "arn:aws:sqs:eu-west-1:1:jobs", "eu-west-1")
    assert record["eventSource"] == "aws:sqs" and record["body"] == "{}"
    assert record["eventSourceARN"] == "arn:aws:sqs:eu-west-1:1:jobs"


def test_a_schedule_fires_with_eventbridges_scheduled_event():
    event = runner.scheduled_event(CONFIG, datetime(2026, 12, 1, 5, tzinfo=UTC))
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["time"] == "2026-12-01T05:00:00Z"
    assert event["resources"] == ["arn:aws:events:eu-west-1:123456789012:rule/nightly-schedule"]


@pytest.fixture
def task_root(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    (tmp_path / "nightly.py").write_text(
        "import time\n"
        "def handler(event, context):\n"
        "    print('remaining', context.get_remaining_time_in_millis() > 0)\n"
        "    if event.get('sleep'):\n"
        "        time.sleep(event['sleep'])\n"
        "    if event.get('fail'):\n"
        "        raise RuntimeError('no luck')\n"
        "    return {'name': context.function_name, 'mb': context.memory_limit_in_mb}\n"
    )
    monkeypatch.setattr(runner, "TASK_ROOT", str(tmp_path))
    return tmp_path


class _Logs:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def put(self, stream: str, lines: list[str]) -> None:
        self.lines += lines


def test_the_handler_runs_with_lambdas_context_and_its_lines_reach_the_log_group(task_root: Any):
    logs = _Logs()
    sandbox = runner.Sandbox(CONFIG, io.StringIO(), logs)  # type: ignore[arg-type]
    try:
        done = sandbox.invoke({})
        failed = sandbox.invoke({"fail": True})
    finally:
        sandbox._stop()
    assert done.ok and done.result == {"name": "nightly", "mb": 128}
    assert not failed.ok and failed.error is not None
    assert failed.error["errorType"] == "RuntimeError"
    assert "nightly.py" in failed.error["stackTrace"][0], "the stack starts in the handler"
    assert "remaining True" in logs.lines
    assert logs.lines[0].startswith("START RequestId: ")
    assert any(line.startswith("REPORT RequestId: ") for line in logs.lines)


def test_an_invocation_past_its_timeout_is_stopped_and_failed(task_root: Any):
    logs = _Logs()
    sandbox = runner.Sandbox(CONFIG, io.StringIO(), logs)  # type: ignore[arg-type]
    try:
        late = sandbox.invoke({"sleep": 30})
        again = sandbox.invoke({})
    finally:
        sandbox._stop()
    assert not late.ok and late.error is not None
    assert late.error["errorMessage"] == "Task timed out after 1.00 seconds"
    assert again.ok, "a fresh sandbox takes the next invocation"


def test_the_runner_invokes_at_each_time_the_schedule_says(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, runner.SCHEDULE_MODULE, schedule_module)
    clock = [datetime(2026, 11, 30, 4, 58, 30, tzinfo=UTC)]
    fired: list[Any] = []

    class Sandbox:
        def invoke(self, event: Any) -> None:
            fired.append((clock[0], event["time"]))

    def sleep(seconds: float) -> None:
        clock[0] += timedelta(seconds=seconds)

    config = {**CONFIG, "schedule": "cron(0 5 * * ? *)"}
    runner.serve_schedule(Sandbox(), config, now=lambda: clock[0], sleep=sleep, rounds=2)  # type: ignore[arg-type]
    assert fired == [
        (datetime(2026, 11, 30, 5, 0, tzinfo=UTC), "2026-11-30T05:00:00Z"),
        (datetime(2026, 12, 1, 5, 0, tzinfo=UTC), "2026-12-01T05:00:00Z"),
    ]


def test_a_failing_s3_event_is_tried_three_times_then_dropped():
    class Failing:
        def invoke(self, event: Any) -> runner.Outcome:
            return runner.Outcome(ok=event["Records"] == ["fine"])

    def notification(records: Any, receives: int) -> dict[str, Any]:
        body = json.dumps({"Records": records})
        attributes = {"ApproximateReceiveCount": str(receives)}
        return {"MessageId": "m", "Body": body, "Attributes": attributes}

    sandbox: Any = Failing()
    assert runner.handle_notification(sandbox, notification(["fine"], 1))
    assert not runner.handle_notification(sandbox, notification(["bad"], 2))
    assert runner.handle_notification(sandbox, notification(["bad"], 3))
    test_event = {"MessageId": "t", "Body": json.dumps({"Event": "s3:TestEvent"})}
    assert runner.handle_notification(sandbox, test_event)
