"""A bucket is created as S3 wants it in its region, and one already there is kept."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from greenroom.components.aws.provision import create_bucket


class FakeS3:
    def __init__(self, refuse: str | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.refuse = refuse

    def create_bucket(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)
        if self.refuse:
            raise ClientError({"Error": {"Code": self.refuse}}, "CreateBucket")


def test_outside_us_east_1_the_region_is_said() -> None:
    s3 = FakeS3()
    create_bucket(s3, "lake", "eu-west-1")
    create_bucket(s3, "lake", "us-east-1")
    assert s3.calls == [
        {"Bucket": "lake", "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}},
        {"Bucket": "lake"},
    ]


def test_a_bucket_already_there_is_kept_and_another_error_is_raised() -> None:
    create_bucket(FakeS3("BucketAlreadyOwnedByYou"), "lake", "eu-west-1")
    with pytest.raises(ClientError):
        create_bucket(FakeS3("AccessDenied"), "lake", "eu-west-1")
