"""Consume order events from the durable consumer and turn each into a receipt, once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from orders.cache import OrderCache
from orders.domain import InvalidEvent, decode_event, message_id
from orders.metrics import EVENTS_FAILED, EVENTS_PROCESSED
from orders.processing import Ledger, Outcome, Sinks, process

log = logging.getLogger(__name__)


class AwsSinks:
    """The receipt goes to S3, the announcement to SNS; boto3 calls run off the event loop."""

    def __init__(self, s3: Any, sns: Any, bucket: str, topic_arn: str) -> None:
        self._s3, self._sns = s3, sns
        self._bucket, self._topic_arn = bucket, topic_arn

    async def put_receipt(self, key: str, body: bytes) -> None:
        await asyncio.to_thread(
            self._s3.put_object,
            Bucket=self._bucket,
            Key=key,
            Body=body,
            ContentType="application/json",
        )

    async def announce(self, message: str) -> None:
        await asyncio.to_thread(
            self._sns.publish,
            TopicArn=self._topic_arn,
            Message=message,
            MessageAttributes={"event": {"DataType": "String", "StringValue": "order.receipted"}},
        )


async def handle(msg: Msg, ledger: Ledger, sinks: Sinks, cache: OrderCache | None) -> str:
    """Ack after commit; a malformed message is terminated, a failure is redelivered later."""
    try:
        event = decode_event(msg.data)
    except InvalidEvent as exc:
        EVENTS_FAILED.labels("decode").inc()
        log.error("dropping malformed event", extra={"error": str(exc), "subject": msg.subject})
        await msg.term()
        return "malformed"
    meta = msg.metadata
    mid = message_id(msg.headers, meta.stream, meta.sequence.stream)
    try:
        outcome = await process(event, mid, ledger, sinks)
    except Exception as exc:
        EVENTS_FAILED.labels("process").inc()
        log.warning(
            "event failed, will be redelivered",
            extra={"order_id": event.order_id, "error": f"{type(exc).__name__}: {exc}"},
        )
        await msg.nak(delay=2)
        return "failed"
    if outcome is Outcome.PROCESSED and cache is not None:
        await cache.invalidate(event.order_id)
    await msg.ack()
    EVENTS_PROCESSED.labels(outcome.value).inc()
    log.info(
        "event handled",
        extra={"order_id": event.order_id, "message_id": mid, "outcome": outcome.value},
    )
    return outcome.value


async def _handle_logged(msg: Msg, ledger: Ledger, sinks: Sinks, cache: OrderCache | None) -> None:
    try:
        await handle(msg, ledger, sinks, cache)
    except nats.errors.Error as exc:
        # The ack or nak was lost; the server redelivers after ack_wait.
        log.warning("acknowledgement failed", extra={"error": type(exc).__name__})


async def run_consumer(
    js: JetStreamContext,
    stream: str,
    durable: str,
    ledger: Ledger,
    sinks: Sinks,
    cache: OrderCache | None,
    stop: asyncio.Event,
    *,
    batch: int = 10,
) -> None:
    """Fetch until ``stop``; the batch in hand when it is set is finished first."""
    sub = await js.pull_subscribe_bind(durable=durable, stream=stream)
    log.info("consumer started", extra={"stream": stream, "consumer": durable})
    try:
        while not stop.is_set():
            try:
                msgs = await sub.fetch(batch, timeout=1.0)
            except TimeoutError:  # nats raises both its own and asyncio's
                continue
            except nats.errors.Error as exc:
                log.warning("fetch failed", extra={"error": type(exc).__name__})
                await asyncio.sleep(1.0)
                continue
            # Messages of one batch are independent orders: handle them side by side.
            await asyncio.gather(*(_handle_logged(msg, ledger, sinks, cache) for msg in msgs))
    finally:
        with contextlib.suppress(nats.errors.Error):
            await sub.unsubscribe()
        log.info("consumer stopped")
