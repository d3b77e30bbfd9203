"""CloudTrail log files in S3: every log file under ``s3://bucket/prefix``, opened one at a time.

The offline reader (``policy_tf.sources.cloudtrail.records``) parses what this lists and opens.
"""
from __future__ import annotations

from policy_tf.core.errors import InputError, PolicyTfError
from policy_tf.sources.cloudtrail.records import LogFile, is_log_name


class S3Source:
    """Every log file under ``s3://bucket/prefix``, through boto3's standard chain."""

    def __init__(self, url: str, client=None):
        bucket, _, prefix = url[len("s3://"):].partition("/")
        if not bucket:
            raise InputError(f"{url}: expected s3://bucket/prefix")
        self.bucket, self.prefix = bucket, prefix
        if client is None:
            from policy_tf.aws.session import client as make_client

            client = make_client("s3")
        self.client = client

    def files(self) -> list[LogFile]:
        from botocore.exceptions import BotoCoreError, ClientError

        keys = []
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
                keys += [o["Key"] for o in page.get("Contents", []) if is_log_name(o["Key"])]
        except (BotoCoreError, ClientError) as exc:
            raise PolicyTfError(f"s3://{self.bucket}/{self.prefix}: cannot list the log files: {exc}") from None
        return [LogFile(f"s3://{self.bucket}/{k}", k) for k in sorted(keys)]

    def open(self, log: LogFile):
        return self.client.get_object(Bucket=self.bucket, Key=log.key)["Body"]
