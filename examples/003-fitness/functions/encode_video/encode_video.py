"""encode_video_lambda: each video uploaded under uploads/ gets an encoding job. MediaConvert is out
of scope, so the job it would submit to the Standard queue is recorded as an object beside the
upload, under jobs/ (outside uploads/, so recording it triggers nothing)."""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import unquote_plus

import boto3


def job(bucket: str, key: str) -> dict[str, Any]:
    name = key.removeprefix("uploads/").rsplit(".", 1)[0]
    return {
        "queue": "Standard",  # the seed: "Job queue: Standard"
        "input": f"s3://{bucket}/{key}",
        "outputs": [f"s3://{bucket}/encoded/{name}/{p}.m3u8" for p in ("1080p", "720p", "480p")],
        "status": "SUBMITTED",
    }


def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    s3 = boto3.client("s3")
    prefix = os.environ["JOBS_PREFIX"]
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])
        record_key = f"{prefix}{key.removeprefix('uploads/')}.json"
        s3.put_object(Bucket=bucket, Key=record_key, Body=json.dumps(job(bucket, key)).encode())
        print(f"encoding job for s3://{bucket}/{key} recorded at {record_key}")
    return {"jobs": len(event["Records"])}
