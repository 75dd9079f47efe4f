"""A bucket is created as S3 wants it in its region, one already there is kept, and its lifecycle
rules and log groups say what S3 and CloudWatch take."""

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


def test_a_lifecycle_rule_says_each_of_its_actions_as_s3_takes_them() -> None:
    from greenroom.components.aws.provision import lifecycle_rule
    from greenroom.components.aws.spec import Bucket

    bucket = Bucket.model_validate(
        {
            "name": "media",
            "versioning": True,
            "lifecycle": [
                {"transitions": [{"days": 90, "storage_class": "GLACIER"}]},
                {"prefix": "tmp/", "expire_days": 7, "noncurrent_expire_days": 1},
            ],
        }
    )
    assert [lifecycle_rule(i, r) for i, r in enumerate(bucket.lifecycle)] == [
        {
            "ID": "rule-0",
            "Filter": {"Prefix": ""},
            "Status": "Enabled",
            "Transitions": [{"Days": 90, "StorageClass": "GLACIER"}],
        },
        {
            "ID": "rule-1",
            "Filter": {"Prefix": "tmp/"},
            "Status": "Enabled",
            "Expiration": {"Days": 7},
            "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
        },
    ]


def test_a_log_group_is_a_name_or_a_name_with_its_retention() -> None:
    from greenroom.components.aws.spec import Aws

    aws = Aws.model_validate({"log_groups": ["/a", {"name": "/b", "retention_days": 30}]})
    assert [(g.name, g.retention_days) for g in aws.log_groups] == [("/a", None), ("/b", 30)]
