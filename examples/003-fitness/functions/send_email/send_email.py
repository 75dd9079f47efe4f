"""send_email_lambda: drains email-notifications (user-events' email subscriber) and sends each
user the mail its event calls for. The mail provider is out of scope: each mail is logged to the
function's log group, which is what the smoke tests read."""

from __future__ import annotations

import json
import logging
import os
from typing import Any

logger = logging.getLogger()
logger.setLevel(logging.INFO)

SUBJECTS = {"user.signed_up": "Welcome to the fitness platform"}


def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    """A batch of SQS records; any record that cannot be read fails the batch (it is retried)."""
    sent = 0
    for record in event["Records"]:
        message = json.loads(record["body"])
        subject = SUBJECTS.get(message["type"])
        if subject is None:
            logger.info("no mail for %s", message["type"])
            continue
        mail = {"from": os.environ["SENDER"], "to": message["email"], "subject": subject}
        print(json.dumps({"sent": mail, "request": context.aws_request_id}))
        sent += 1
    return {"sent": sent}
