"""What runs inside a function's container: Lambda's part, driving the handler from its trigger.

Standard library and boto3 only (Lambda's Python runtime has both); it talks to the AWS
emulator through ``AWS_ENDPOINT_URL``. ``runner.py`` serves the function's trigger;
``runner.py invoke`` runs it once on the JSON event read from stdin and prints its answer.

The handler runs in a worker process that lives across invocations (a warm sandbox); one that
runs past the timeout is killed and a fresh one started, and the invocation counts as failed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import io
import json
import multiprocessing
import os
import signal
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, TextIO

CONFIG = "GREENROOM_FUNCTION"
"""The variable holding the function's settings as JSON (handler, limits, trigger)."""
TASK_ROOT = "/var/task"
ACCOUNT = "123456789012"
POLL_SECONDS = 20
ASYNC_ATTEMPTS = 3
"""An asynchronous invocation (S3's) is tried this many times, as Lambda does by default."""
SCHEDULE_MODULE = "greenroom_schedule"
"""greenroom's schedule.py, mounted beside this file under a name no handler's code uses."""


@dataclass
class Outcome:
    """How one invocation ended: its answer, or Lambda's error document."""

    ok: bool
    result: Any = None
    error: dict[str, Any] | None = None
    lines: list[str] = field(default_factory=list)
    billed_ms: int = 0


class Context:
    """Lambda's context object, as a handler reads it."""

    def __init__(self, config: dict[str, Any], request_id: str, deadline: float, stream: str):
        self.function_name = config["name"]
        self.function_version = "$LATEST"
        self.invoked_function_arn = (
            f"arn:aws:lambda:{config['region']}:{ACCOUNT}:function:{config['name']}"
        )
        self.memory_limit_in_mb = int(config["memory"])
        self.aws_request_id = request_id
        self.log_group_name = config["log_group"]
        self.log_stream_name = stream
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))


class _Tee(io.TextIOBase):
    """The handler's stdout: each line to the container's log and to the parent for CloudWatch."""

    def __init__(self, echo: TextIO, conn: Connection) -> None:
        self.echo, self.conn, self.pending = echo, conn, ""

    def write(self, text: str) -> int:
        self.echo.write(text)
        self.echo.flush()
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            self.conn.send(("log", line))
        return len(text)

    def flush(self) -> None:
        if self.pending:
            self.conn.send(("log", self.pending))
            self.pending = ""


def _error(exc: BaseException, *, own_frames: int = 0) -> dict[str, Any]:
    """Lambda's error document; the stack starts in the function's code, past ``own_frames``."""
    trace = exc.__traceback__
    for _ in range(own_frames):
        trace = trace.tb_next if trace is not None and trace.tb_next is not None else trace
    return {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "stackTrace": traceback.format_tb(trace),
    }


def _serve_worker(conn: Connection, config: dict[str, Any], echo: TextIO) -> None:
    """The sandbox: imports the handler once, then runs each invocation the parent sends."""
    import logging

    tee = _Tee(echo, conn)
    sys.stdout = tee
    sys.stderr = tee
    root = logging.getLogger()
    handler = logging.StreamHandler(tee)
    handler.setFormatter(logging.Formatter("[%(levelname)s]\t%(asctime)s\t%(message)s"))
    root.handlers[:] = [handler]
    sys.path.insert(0, TASK_ROOT)
    module_name, _, function_name = config["handler"].rpartition(".")
    try:
        function = getattr(importlib.import_module(module_name), function_name)
    except Exception as exc:
        tee.flush()
        conn.send(("init-error", _error(exc)))
        return
    while True:
        try:
            _, event, request_id, deadline, stream = conn.recv()
        except EOFError:
            return
        context = Context(config, request_id, deadline, stream)
        try:
            result = function(event, context)
            json.dumps(result)
        except Exception as exc:
            tee.flush()
            conn.send(("error", _error(exc, own_frames=1)))
            continue
        tee.flush()
        conn.send(("done", result))


class Sandbox:
    """One warm execution environment: a worker process, replaced after a timeout or a crash."""

    def __init__(self, config: dict[str, Any], echo: TextIO, logs: CloudWatch | None) -> None:
        self.config, self.echo, self.logs = config, echo, logs
        self.worker: Any = None
        self.conn: Connection | None = None
        self.stream = ""

    def _start(self) -> None:
        context = multiprocessing.get_context("fork")
        parent, child = context.Pipe()
        self.worker = context.Process(
            target=_serve_worker, args=(child, self.config, self.echo), daemon=True
        )
        self.worker.start()
        child.close()
        self.conn = parent
        today = dt.datetime.now(dt.UTC).strftime("%Y/%m/%d")
        self.stream = f"{today}/[$LATEST]{uuid.uuid4().hex}"

    def _stop(self) -> None:
        if self.worker is not None:
            self.worker.kill()
            self.worker.join(5)
        self.worker = self.conn = None

    def invoke(self, event: Any) -> Outcome:
        """Run the handler on ``event``; a timeout or a dead worker is a failed invocation."""
        if self.worker is None or not self.worker.is_alive():
            self._start()
        assert self.conn is not None
        timeout = int(self.config["timeout"])
        request_id = str(uuid.uuid4())
        began = time.monotonic()
        self.conn.send(("invoke", event, request_id, time.time() + timeout, self.stream))
        outcome = self._wait(began + timeout, timeout)
        outcome.billed_ms = int((time.monotonic() - began) * 1000) + 1
        self._record(request_id, outcome)
        return outcome

    def _wait(self, deadline: float, timeout: int) -> Outcome:
        assert self.conn is not None
        lines: list[str] = []
        while True:
            remaining = deadline - time.monotonic()
            try:
                ready = remaining > 0 and self.conn.poll(remaining)
                message = self.conn.recv() if ready else None
            except (EOFError, OSError):
                self._stop()
                error = {"errorMessage": "Runtime exited", "errorType": "Runtime.ExitError"}
                return Outcome(False, error=error, lines=lines)
            if message is None:
                self._stop()
                note = f"Task timed out after {timeout:.2f} seconds"
                lines.append(note)
                error = {"errorMessage": note, "errorType": "Sandbox.Timedout"}
                return Outcome(False, error=error, lines=lines)
            kind, value = message
            if kind == "log":
                lines.append(value)
            elif kind == "done":
                return Outcome(True, result=value, lines=lines)
            else:
                if kind == "init-error":
                    self._stop()
                return Outcome(False, error=value, lines=lines)

    def _record(self, request_id: str, outcome: Outcome) -> None:
        """Lambda's START/END/REPORT lines around the handler's own, in the log group."""
        memory = self.config["memory"]
        lines = [
            f"START RequestId: {request_id} Version: $LATEST",
            *outcome.lines,
            *([] if outcome.ok else [json.dumps(outcome.error)]),
            f"END RequestId: {request_id}",
            f"REPORT RequestId: {request_id}\tDuration: {outcome.billed_ms} ms\t"
            f"Memory Size: {memory} MB",
        ]
        if not outcome.ok:
            self.echo.write(json.dumps(outcome.error) + "\n")
            self.echo.flush()
        if self.logs is not None:
            self.logs.put(self.stream, lines)


class CloudWatch:
    """A function's lines into `/aws/lambda/<name>`; group and stream made on first use."""

    def __init__(self, client: Any, group: str) -> None:
        self.client, self.group = client, group
        self.streams: set[str] = set()

    def put(self, stream: str, lines: list[str]) -> None:
        now = int(time.time() * 1000)
        try:
            if stream not in self.streams:
                self._create(stream)
            self.client.put_log_events(
                logGroupName=self.group,
                logStreamName=stream,
                logEvents=[{"timestamp": now, "message": line or " "} for line in lines],
            )
        except Exception as exc:  # the logs are a record; never fail the invocation for them
            print(f"greenroom: could not write to {self.group}: {exc}", file=sys.stderr)

    def _create(self, stream: str) -> None:
        for call, kwargs in (
            (self.client.create_log_group, {"logGroupName": self.group}),
            (
                self.client.create_log_stream,
                {"logGroupName": self.group, "logStreamName": stream},
            ),
        ):
            with contextlib.suppress(self.client.exceptions.ResourceAlreadyExistsException):
                call(**kwargs)
        self.streams.add(stream)


def _client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        service, config=Config(read_timeout=POLL_SECONDS + 10, retries={"max_attempts": 3})
    )


def _receive(sqs: Any, url: str, batch: int) -> Iterator[list[dict[str, Any]]]:
    """SQS long polls, forever; a failed call is reported and tried again a second later."""
    while True:
        try:
            answer = sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=batch,
                WaitTimeSeconds=POLL_SECONDS,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
        except Exception as exc:
            print(f"greenroom: receiving from {url} failed: {exc}", file=sys.stderr)
            time.sleep(1)
            continue
        if answer.get("Messages"):
            yield answer["Messages"]


def sqs_record(message: dict[str, Any], arn: str, region: str) -> dict[str, Any]:
    """One SQS message as Lambda's event source mapping hands it to the handler."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": region,
    }


def _queue(sqs: Any, name: str) -> tuple[str, str]:
    while True:
        try:
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
            return url, attributes["Attributes"]["QueueArn"]
        except Exception as exc:
            print(f"greenroom: waiting for queue {name}: {exc}", file=sys.stderr)
            time.sleep(1)


def serve_queue(sandbox: Sandbox, config: dict[str, Any]) -> None:
    """Batches of the queue's messages; deleted when the handler succeeds, left when it fails (so
    the visibility timeout and the queue's redrive policy apply, as with Lambda)."""
    sqs = _client("sqs")
    url, arn = _queue(sqs, config["queue"])
    for messages in _receive(sqs, url, int(config["batch_size"])):
        event = {"Records": [sqs_record(m, arn, config["region"]) for m in messages]}
        if sandbox.invoke(event).ok:
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
            ]
            sqs.delete_message_batch(QueueUrl=url, Entries=entries)


def serve_bucket(sandbox: Sandbox, config: dict[str, Any]) -> None:
    """Each S3 notification (delivered by the bucket to greenroom's queue) is one invocation with
    S3's event ``Records``; S3's test event is dropped. S3 invokes a function asynchronously, so a
    failed event is tried again (once the queue shows it anew) and dropped after its third
    attempt, as Lambda does."""
    sqs = _client("sqs")
    url, _ = _queue(sqs, config["notifications"])
    for messages in _receive(sqs, url, 10):
        for message in messages:
            if not handle_notification(sandbox, message):
                continue
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def handle_notification(sandbox: Sandbox, message: dict[str, Any]) -> bool:
    """Invoke on one notification; whether it is done with (handled, not an event, or out of
    attempts)."""
    try:
        event = json.loads(message["Body"])
    except ValueError:
        event = {}
    if "Records" not in event or sandbox.invoke({"Records": event["Records"]}).ok:
        return True
    attempt = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
    if attempt < ASYNC_ATTEMPTS:
        return False
    print(
        f"greenroom: S3 event {message['MessageId']} dropped after {attempt} failed attempts",
        file=sys.stderr,
    )
    return True


def scheduled_event(config: dict[str, Any], when: dt.datetime) -> dict[str, Any]:
    """EventBridge's Scheduled Event for the rule that fired at ``when``."""
    region = config["region"]
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{ACCOUNT}:rule/{config['name']}-schedule"],
        "detail": {},
    }


def serve_schedule(
    sandbox: Sandbox,
    config: dict[str, Any],
    *,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    sleep: Callable[[float], None] = time.sleep,
    rounds: int | None = None,
) -> None:
    """Sleep until the expression's next time (UTC), invoke, repeat (``rounds`` times, for a
    test; else for ever)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    schedule = importlib.import_module(SCHEDULE_MODULE).parse(config["schedule"])
    start = last = now()
    while rounds is None or rounds > 0:
        when = schedule.next_after(last, start=start)
        if when is None:
            print(f"greenroom: {config['schedule']} never fires again", file=sys.stderr)
            return
        sleep(max(0.0, (when - now()).total_seconds()))
        sandbox.invoke(scheduled_event(config, when))
        last = when
        rounds = None if rounds is None else rounds - 1


def _stop(signum: int, frame: Any) -> None:
    sys.exit(0)


def main(argv: list[str]) -> int:
    config = json.loads(os.environ[CONFIG])
    signal.signal(signal.SIGTERM, _stop)
    if argv[1:] == ["invoke"]:
        event = json.loads(sys.stdin.read() or "{}")
        sandbox = Sandbox(config, sys.stderr, CloudWatch(_client("logs"), config["log_group"]))
        outcome = sandbox.invoke(event)
        print(json.dumps(outcome.result if outcome.ok else outcome.error))
        return 0 if outcome.ok else 1
    sandbox = Sandbox(config, sys.stdout, CloudWatch(_client("logs"), config["log_group"]))
    print(f"greenroom: {config['name']} ({config['handler']}) on {config['trigger']}", flush=True)
    if "queue" in config:
        serve_queue(sandbox, config)
    elif "notifications" in config:
        serve_bucket(sandbox, config)
    else:
        serve_schedule(sandbox, config)
        signal.pause()  # nothing left to fire: stay up, as a rule that never matches again does
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
