"""One order followed through every hop of the shop platform, read-only after the first POST.

Nothing here consumes from the worker's durable consumer: JetStream is inspected by sequence, and
in each SQS queue only this run's message (matched by order id) is deleted; other runs' messages
are made visible again at once.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any

from greenroom.suites.journey import Hop, NotYet
from greenroom.suites.target import Target

RECEIPTED = "receipted"
HTTP_TIMEOUT = 5.0
SQS_ROUNDS = 10
"""Receive batches per attempt in one queue (10 messages each) before the next attempt."""


def http(method: str, url: str, body: Any = None) -> tuple[int, Any]:
    """(status, parsed JSON or text) of one request; HTTP errors are returned, not raised."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            status, raw = exc.code, exc.read()
    text = raw.decode("utf-8", "replace")
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


@dataclass(frozen=True)
class Names:
    """The resources the shop is configured with, read from its services' environment."""

    stream: str
    subject: str
    bucket: str
    topic: str
    queues: tuple[str, ...]

    @classmethod
    def of(cls, target: Target) -> Names:
        assert target.model is not None, "the target carries no model"
        env: dict[str, str] = {}
        for service in target.model.services.values():
            env = {**service.env, **env}
        topic = env["ORDER_EVENTS_TOPIC"]
        aws = next(c for c in target.model.components.values() if c.kind == "aws")
        queues = tuple(sub.queue for t in aws.topics if t.name == topic for sub in t.subscriptions)
        return cls(
            stream=env["NATS_STREAM"],
            subject=env["NATS_SUBJECT"],
            bucket=env["RECEIPTS_BUCKET"],
            topic=topic,
            queues=queues,
        )


@dataclass
class OrderJourney:
    """The hops of one order; each check keeps what later hops need (ids, sequences)."""

    target: Target
    marker: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    order_id: str = ""
    outbox_id: str = ""
    start_seq: int | None = None
    stream_seq: int | None = None
    queues_seen: set[str] = field(default_factory=set)

    @property
    def names(self) -> Names:
        return Names.of(self.target)

    def hops(self) -> list[Hop]:
        return [
            Hop("client → API", self.post_order, retry=False),
            Hop("API → Postgres", self.order_row),
            Hop("outbox → JetStream", self.relayed),
            Hop("JetStream → worker → S3", self.receipt),
            Hop("worker → SNS → SQS", self.fanned_out),
            Hop("worker → Postgres", self.receipted),
        ]

    def secrets(self) -> list[str]:
        values = [
            getattr(conn, attr, None)
            for conn in self.target.connections.values()
            for attr in ("password", "token")
        ]
        return [v.get_secret_value() for v in values if v is not None]

    # --- hops -------------------------------------------------------------------------------

    def post_order(self) -> str:
        self.start_seq = self._stream_last_seq()
        body = {
            "sku": f"smoke-{self.marker}",
            "quantity": 1,
            "customer": f"greenroom-smoke-{self.marker}",
        }
        status, answer = http("POST", f"{self.target.api_url}/orders", body)
        if status != 201 or not isinstance(answer, dict) or "id" not in answer:
            raise AssertionError(f"POST /orders answered {status}: {str(answer)[:300]}")
        self.order_id = str(answer["id"])
        return f"order {self.order_id} created"

    def order_row(self) -> str:
        pg = self._postgres()
        with pg.connect() as conn:
            row = conn.execute(
                "SELECT sku, status FROM orders WHERE id = %s", (self.order_id,)
            ).fetchone()
            outbox = conn.execute(
                "SELECT id FROM outbox WHERE aggregate_id = %s ORDER BY created_at LIMIT 1",
                (self.order_id,),
            ).fetchone()
        if row is None:
            raise NotYet(f"no row for order {self.order_id} in {pg.database}.orders")
        if row[0] != f"smoke-{self.marker}":
            raise AssertionError(f"order row holds sku {row[0]!r}, not smoke-{self.marker!r}")
        if outbox is None:
            raise AssertionError(f"order {self.order_id} has no outbox row (not one transaction?)")
        self.outbox_id = str(outbox[0])
        return f"order row ({row[1]}) and outbox row {self.outbox_id}"

    def relayed(self) -> str:
        with self._postgres().connect() as conn:
            row = conn.execute(
                "SELECT published_at FROM outbox WHERE id = %s", (self.outbox_id,)
            ).fetchone()
        if row is None or row[0] is None:
            raise NotYet(f"outbox row {self.outbox_id} not drained yet (is the relay running?)")
        if self.stream_seq is None:
            self.stream_seq = self._find_on_stream()
        return f"{self.names.stream} seq {self.stream_seq} on {self.names.subject}"

    def receipt(self) -> str:
        aws = self._aws()
        bucket = self.names.bucket
        key = f"receipts/{self.order_id}.json"
        try:
            obj = aws.client("s3").get_object(Bucket=bucket, Key=key)
        except Exception as exc:
            code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
            if code in {"NoSuchKey", "404"}:
                raise NotYet(f"s3://{bucket}/{key} not written yet") from None
            raise
        receipt = json.loads(obj["Body"].read())
        if receipt.get("order_id") != self.order_id:
            raise AssertionError(f"s3://{bucket}/{key} names order {receipt.get('order_id')}")
        return f"s3://{bucket}/{key}"

    def fanned_out(self) -> str:
        sqs = self._aws().client("sqs")
        queues = self.names.queues
        for queue in queues:
            if queue not in self.queues_seen and self._take_from(sqs, queue):
                self.queues_seen.add(queue)
        missing = [q for q in queues if q not in self.queues_seen]
        if missing:
            raise NotYet(f"no announcement of order {self.order_id} in SQS {', '.join(missing)}")
        return f"announced in {', '.join(queues)}"

    def receipted(self) -> str:
        with self._postgres().connect() as conn:
            row = conn.execute(
                "SELECT status FROM orders WHERE id = %s", (self.order_id,)
            ).fetchone()
        status = row[0] if row else None
        if status != RECEIPTED:
            raise NotYet(f"order {self.order_id} is {status!r}, not {RECEIPTED!r}")
        return f"order {self.order_id} {RECEIPTED}"

    # --- helpers -------------------------------------------------------------------------------

    def _postgres(self) -> Any:
        pg = self.target.connection("postgres")
        assert pg, "the target has no Postgres component"
        return pg

    def _aws(self) -> Any:
        aws = self.target.connection("aws")
        assert aws, "the target has no AWS component"
        return aws

    def _stream_last_seq(self) -> int | None:
        """Where the stream stood before the order, so the search starts there (None: unknown)."""
        nt = self.target.connection("nats")
        if nt is None:
            return None
        stream = self.names.stream

        async def use(nc: Any) -> int:
            info = await nc.jetstream(timeout=5).stream_info(stream)
            return int(info.state.last_seq)

        try:
            return int(nt.run(use))
        except Exception:
            return None

    def _find_on_stream(self) -> int:
        """The sequence of this order's message: matched by message id or order id, not consumed."""
        nt = self.target.connection("nats")
        assert nt, "the target has no NATS component"
        start = (self.start_seq or 0) + 1
        stream, subject = self.names.stream, self.names.subject

        async def use(nc: Any) -> int:
            from nats.js.errors import NotFoundError

            js = nc.jetstream(timeout=5)
            state = (await js.stream_info(stream)).state
            seq = max(start, int(state.first_seq))
            while seq <= state.last_seq:
                try:
                    msg = await js.get_msg(stream, seq=seq, subject=subject, next=True)
                except NotFoundError:
                    break
                headers = msg.headers or {}
                if headers.get("Nats-Msg-Id") == self.outbox_id or self.order_id in (
                    msg.data or b""
                ).decode("utf-8", "replace"):
                    return int(msg.seq)
                seq = int(msg.seq) + 1
            raise NotYet(
                f"outbox row published, but no message for order {self.order_id} on "
                f"{stream}/{subject} after seq {start - 1} (last seq {state.last_seq})"
            )

        return int(nt.run(use))

    def _take_from(self, sqs: Any, queue: str) -> bool:
        """Delete this order's message from ``queue`` if it is there; leave every other one."""
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        others: list[dict[str, str]] = []
        found = False
        try:
            for _ in range(SQS_ROUNDS):
                batch = sqs.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, VisibilityTimeout=30
                ).get("Messages", [])
                for message in batch:
                    if self.order_id in message.get("Body", ""):
                        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                        found = True
                    else:
                        others.append(message)
                if found or not batch:
                    break
        finally:
            for i in range(0, len(others), 10):
                sqs.change_message_visibility_batch(
                    QueueUrl=url,
                    Entries=[
                        {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                        for n, m in enumerate(others[i : i + 10])
                    ],
                )
        return found
