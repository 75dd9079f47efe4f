"""S3, SQS, SNS, SSM, Secrets Manager and CloudWatch Logs resources, converged idempotently; the
bucket notifications that deliver new objects to functions.

boto3 with ``endpoint_url`` only: an emulator (LocalStack, moto) and real AWS run the same calls.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from greenroom.components.aws.spec import Aws, LifecycleRule, Queue
from greenroom.components.report import Report
from greenroom.errors import ReplicaError
from greenroom.model.types import SecretRef, parse_duration

EMULATOR_CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}


@dataclass(frozen=True)
class AwsTarget:
    """Where to provision: an emulator endpoint (with its dummy credentials) or real AWS (None)."""

    region: str
    endpoint_url: str | None = None

    def client(self, service: str, *, attempts: int = 3, timeout: float = 30) -> Any:
        """A boto3 client; a probe asks for one attempt and a short timeout, so it fails fast."""
        import boto3
        from botocore.config import Config

        extra: dict[str, Any] = dict(EMULATOR_CREDENTIALS) if self.endpoint_url else {}
        return boto3.client(
            service,
            region_name=self.region,
            endpoint_url=self.endpoint_url,
            config=Config(
                retries={"max_attempts": attempts, "mode": "standard"},
                connect_timeout=min(5, timeout),
                read_timeout=timeout,
            ),
            **extra,
        )


def provision_aws(
    spec: Aws,
    target: AwsTarget,
    secrets: Mapping[str, SecretStr],
    *,
    http_endpoints: Mapping[str, str] | None = None,
) -> Report:
    """Create or converge every declared AWS resource; safe to run again on an existing target.

    ``http_endpoints`` maps each subscription to a service to the URL SNS delivers to there.
    """
    report = Report()
    try:
        _buckets(spec, target, report)
        queue_arns = _queues(spec, target, report)
        _topics(spec, target, queue_arns, http_endpoints or {}, report)
        _parameters(spec, target, secrets, report)
        _secrets(spec, target, secrets, report)
        _log_groups(spec, target, report)
        _bucket_triggers(spec, target, report)
    except ReplicaError:
        raise
    except Exception as exc:
        raise ReplicaError(
            f"provisioning AWS resources failed after {len(report.done)} step(s): "
            f"{type(exc).__name__}: {exc}",
            hint="check the emulator (`inv logs <env> --service aws`) or the AWS credentials",
        ) from exc
    return report


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def create_bucket(s3: Any, name: str, region: str) -> None:
    """Create ``name`` in ``region`` (outside us-east-1 S3 wants the region said); one that is
    already there is kept."""
    kwargs: dict[str, Any] = {"Bucket": name}
    if region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        s3.create_bucket(**kwargs)
    except Exception as exc:
        if _error_code(exc) not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
            raise


def _buckets(spec: Aws, target: AwsTarget, report: Report) -> None:
    s3 = target.client("s3")
    for bucket in spec.buckets:
        create_bucket(s3, bucket.name, target.region)
        if bucket.versioning:
            s3.put_bucket_versioning(
                Bucket=bucket.name, VersioningConfiguration={"Status": "Enabled"}
            )
        if bucket.lifecycle:
            rules = [lifecycle_rule(i, rule) for i, rule in enumerate(bucket.lifecycle)]
            s3.put_bucket_lifecycle_configuration(
                Bucket=bucket.name, LifecycleConfiguration={"Rules": rules}
            )
        report.add(f"s3 bucket {bucket.name}")


def lifecycle_rule(index: int, rule: LifecycleRule) -> dict[str, Any]:
    """One rule of S3's lifecycle configuration, as PutBucketLifecycleConfiguration takes it."""
    out: dict[str, Any] = {
        "ID": f"rule-{index}",
        "Filter": {"Prefix": rule.prefix},
        "Status": "Enabled",
    }
    if rule.expire_days:
        out["Expiration"] = {"Days": rule.expire_days}
    if rule.transitions:
        out["Transitions"] = [
            {"Days": t.days, "StorageClass": t.storage_class} for t in rule.transitions
        ]
    if rule.noncurrent_expire_days:
        out["NoncurrentVersionExpiration"] = {"NoncurrentDays": rule.noncurrent_expire_days}
    if rule.noncurrent_transitions:
        out["NoncurrentVersionTransitions"] = [
            {"NoncurrentDays": t.days, "StorageClass": t.storage_class}
            for t in rule.noncurrent_transitions
        ]
    return out


def _queue_order(queues: list[Queue]) -> list[Queue]:
    """Dead-letter queues first, so a redrive policy can name an existing ARN."""
    dlqs = {q.dead_letter.queue for q in queues if q.dead_letter}
    return sorted(queues, key=lambda q: (q.name not in dlqs, q.name))


def _queues(spec: Aws, target: AwsTarget, report: Report) -> dict[str, str]:
    sqs = target.client("sqs")
    arns: dict[str, str] = {}
    for queue in _queue_order(spec.queues):
        attributes = {
            "VisibilityTimeout": str(queue.visibility_timeout),
            "MessageRetentionPeriod": str(parse_duration(queue.retention)),
        }
        if queue.dead_letter:
            attributes["RedrivePolicy"] = json.dumps(
                {
                    "deadLetterTargetArn": arns[queue.dead_letter.queue],
                    "maxReceiveCount": str(queue.dead_letter.max_receives),
                },
                sort_keys=True,
            )
        create = dict(attributes, **({"FifoQueue": "true"} if queue.fifo else {}))
        try:
            url = sqs.create_queue(QueueName=queue.name, Attributes=create)["QueueUrl"]
        except Exception as exc:
            if "QueueAlreadyExists" not in _error_code(
                exc
            ) and "QueueNameExists" not in _error_code(exc):
                raise
            url = sqs.get_queue_url(QueueName=queue.name)["QueueUrl"]
            sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        arns[queue.name] = arn
        report.add(f"sqs queue {queue.name}")
    return arns


def _topics(
    spec: Aws,
    target: AwsTarget,
    queue_arns: Mapping[str, str],
    http_endpoints: Mapping[str, str],
    report: Report,
) -> None:
    sns = target.client("sns")
    sqs = target.client("sqs")
    for topic in spec.topics:
        attributes = {"FifoTopic": "true"} if topic.name.endswith(".fifo") else {}
        topic_arn = sns.create_topic(Name=topic.name, Attributes=attributes)["TopicArn"]
        report.add(f"sns topic {topic.name}")
        for sub in topic.subscriptions:
            sub_attributes: dict[str, str] = {}
            if sub.filter:
                sub_attributes["FilterPolicy"] = json.dumps(sub.filter, sort_keys=True)
            if sub.queue is not None:
                protocol, endpoint = "sqs", queue_arns[sub.queue]
                _allow_to_send(sqs, sub.queue, endpoint, topic_arn)
                sub_attributes["RawMessageDelivery"] = "true" if sub.raw else "false"
            elif sub.service is not None:
                protocol, endpoint = "http", http_endpoints[sub.name]
            else:
                protocol, endpoint = "email", sub.email or ""
            sns.subscribe(
                TopicArn=topic_arn,
                Protocol=protocol,
                Endpoint=endpoint,
                Attributes=sub_attributes,
                ReturnSubscriptionArn=True,
            )
            report.add(
                f"sns subscription {sub.name}: {topic.name} -> {sub.queue or sub.email or endpoint}"
            )


def _allow_to_send(
    sqs: Any, queue: str, queue_arn: str, source_arn: str, service: str = "sns"
) -> None:
    """Real AWS drops SNS (or S3) deliveries without a queue policy; emulators accept it too."""
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    current = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"]).get(
        "Attributes", {}
    )
    policy = json.loads(current.get("Policy") or '{"Version": "2012-10-17", "Statement": []}')
    sid = f"greenroom-{source_arn.rsplit(':', 1)[-1]}"
    if any(s.get("Sid") == sid for s in policy.get("Statement", [])):
        return
    policy.setdefault("Statement", []).append(
        {
            "Sid": sid,
            "Effect": "Allow",
            "Principal": {"Service": f"{service}.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": source_arn}},
        }
    )
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})


def _bucket_triggers(spec: Aws, target: AwsTarget, report: Report) -> None:
    """Each bucket-triggered function gets greenroom's queue, and its bucket a notification of
    created objects to it (the function's runner turns each into an invocation, as Lambda)."""
    from greenroom.components.aws.functions.part import notification_queue

    by_bucket: dict[str, list[dict[str, Any]]] = {}
    sqs = target.client("sqs")
    for fn in spec.functions:
        if fn.bucket is None:
            continue
        name = notification_queue(fn.name)
        visibility = str(max(30, fn.timeout))
        url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": visibility})
        arn = sqs.get_queue_attributes(QueueUrl=url["QueueUrl"], AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        _allow_to_send(sqs, name, arn, f"arn:aws:s3:::{fn.bucket}", "s3")
        rules = [{"Name": k, "Value": v} for k, v in (("prefix", fn.prefix), ("suffix", fn.suffix))]
        config: dict[str, Any] = {
            "Id": f"greenroom-{fn.name}",
            "QueueArn": arn,
            "Events": ["s3:ObjectCreated:*"],
        }
        if fn.prefix or fn.suffix:
            config["Filter"] = {"Key": {"FilterRules": [r for r in rules if r["Value"]]}}
        by_bucket.setdefault(fn.bucket, []).append(config)
    s3 = target.client("s3")
    for bucket, configs in sorted(by_bucket.items()):
        s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration={"QueueConfigurations": configs}
        )
        report.add(f"s3 notifications {bucket} -> {', '.join(c['Id'][10:] for c in configs)}")


def _value(value: str | SecretRef, secrets: Mapping[str, SecretStr]) -> str:
    return secrets[value.secret].get_secret_value() if isinstance(value, SecretRef) else value


def _parameters(
    spec: Aws, target: AwsTarget, secrets: Mapping[str, SecretStr], report: Report
) -> None:
    ssm = target.client("ssm")
    for param in spec.parameters:
        ssm.put_parameter(
            Name=param.name, Value=_value(param.value, secrets), Type=param.type, Overwrite=True
        )
        report.add(f"ssm parameter {param.name} ({param.type})")


def _secrets(
    spec: Aws, target: AwsTarget, secrets: Mapping[str, SecretStr], report: Report
) -> None:
    sm = target.client("secretsmanager")
    for secret in spec.secrets:
        value = _value(secret.value, secrets)
        try:
            sm.create_secret(Name=secret.name, SecretString=value)
        except Exception as exc:
            if _error_code(exc) != "ResourceExistsException":
                raise
            sm.put_secret_value(SecretId=secret.name, SecretString=value)
        report.add(f"secretsmanager secret {secret.name}")


def _log_groups(spec: Aws, target: AwsTarget, report: Report) -> None:
    logs = target.client("logs")
    for group in spec.log_groups:
        try:
            logs.create_log_group(logGroupName=group.name)
        except Exception as exc:
            if _error_code(exc) != "ResourceAlreadyExistsException":
                raise
        if group.retention_days:
            logs.put_retention_policy(logGroupName=group.name, retentionInDays=group.retention_days)
            report.add(f"log group {group.name} ({group.retention_days} days)")
        else:
            report.add(f"log group {group.name}")
