"""generate-template --from-code (issue 22): growth from 10 to 1,000 Python files, policy_tf alone.

The peer, IAM Policy Autopilot, needs AWS's Service Reference endpoint on every run (it exits 1
offline), so it is not run here; these cases measure how policy_tf grows with the project. Each
file is a small module of a realistic service (S3, DynamoDB resource API, SQS, SNS, paginators,
managed transfers, f-strings and environment defaults), written untimed into {tmp} by `prepare`.
"""
from __future__ import annotations

from pathlib import Path

from bench import TOOL, Case, MaxMemory, Under

MODULE = '''\
import os

import boto3

BUCKET = os.environ.get("BUCKET_{i}", "acme-data-{i}")
TABLE = "orders-{i}"
QUEUE = "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs-{i}"

s3 = boto3.client("s3")
sqs = boto3.client("sqs", region_name="eu-west-1")
table = boto3.resource("dynamodb").Table(TABLE)


class Worker{i}:
    def __init__(self):
        self.sns = boto3.client("sns")

    def run(self, event):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="in/"):
            for item in page.get("Contents", []):
                body = s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
                table.put_item(Item={{"id": item["Key"], "size": len(body)}})
        s3.upload_file("/tmp/report.csv", BUCKET, f"reports/{{event['day']}}/summary-{i}.csv")
        sqs.send_message(QueueUrl=QUEUE, MessageBody="done")
        self.sns.publish(TopicArn="arn:aws:sns:eu-west-1:123456789012:alerts-{i}", Message="ok")
'''


def _project(n: int):
    def prepare(tmp: Path, ctx) -> None:
        root = tmp / "project"
        for i in range(n):
            folder = root / f"pkg{i // 100}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"module_{i}.py").write_text(MODULE.format(i=i))
    return prepare


CASES = [
    Case(f"from-code: {n:,} Python files -> one template",
         [TOOL, "generate-template", "--from-code", "{tmp}/project", "--region", "eu-west-1", "--account",
          "123456789012"],
         None, bar=bar, max_rounds=3, warmup=False, prepare=_project(n),
         note=f"{n:,} modules of ~25 lines, 8 call sites each; IAM Policy Autopilot needs the network on every run, so "
              "it is not run")
    for n, bar in ((10, Under(2)), (100, Under(3)), (1000, (Under(10), MaxMemory(512))))
]
