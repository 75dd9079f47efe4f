"""JSON log lines: one object a line, secrets masked wherever they appear."""

from __future__ import annotations

import io
import json
import logging

from orders.logs import Redactor, json_formatter


def _capture(secrets: list[str]) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter(secrets))
    logger = logging.getLogger(f"test.{id(stream)}")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream


def test_lines_are_json_with_the_standard_fields() -> None:
    logger, stream = _capture([])
    logger.info("order created", extra={"order_id": "abc"})
    record = json.loads(stream.getvalue())
    assert record["level"] == "INFO"
    assert record["message"] == "order created"
    assert record["order_id"] == "abc"
    assert {"time", "logger"} <= set(record)


def test_secret_in_message_extra_and_traceback_is_masked() -> None:
    secret = 'pa"ss\\word'
    logger, stream = _capture([secret])
    logger.info("connecting with %s", secret, extra={"dsn": f"postgres://u:{secret}@h/db"})
    try:
        raise RuntimeError(f"auth failed for {secret}")
    except RuntimeError:
        logger.exception("boom")
    out = stream.getvalue()
    assert secret not in out
    assert json.dumps(secret)[1:-1] not in out
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[0]["message"] == "connecting with ***"
    assert lines[0]["dsn"] == "postgres://u:***@h/db"
    assert "auth failed for ***" in lines[1]["exc_info"]


def test_longer_secret_containing_a_shorter_one_is_masked_whole() -> None:
    redact = Redactor(["abc", "xxabcxx"])
    assert redact("token xxabcxx and abc") == "token *** and ***"


def test_empty_secret_masks_nothing() -> None:
    assert Redactor([""])("plain text") == "plain text"
