"""generate-template --cloudtrail over 1 million events (policy_tf alone: policy_sentry has no such command).

The logs are generated once, untimed, into bench/.cache/cloudtrail-1m (1,000 files of 1,000
events, as CloudTrail delivers them: gzip, one ``Records`` array each), and linked into each
run's {tmp}. 40 roles call S3 (data events with resources), DynamoDB (table from request
parameters), SQS, KMS, CloudWatch and STS; some calls are denied, some made by AWS services.
"""
from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

from bench import CACHE, PYTHON, TOOL, Case, MaxMemory, Under

FILES, PER_FILE = 1000, 1000
LOGS = CACHE / "cloudtrail-1m"
VERSION = "1"  # bump when the generator changes, to regenerate the cache
ACCOUNT = "111122223333"


def _identity(role: int, session: int) -> dict:
    name = f"app-{role:02d}"
    return {"type": "AssumedRole", "principalId": f"AROA{role:04d}:s{session}",
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/s{session}", "accountId": ACCOUNT,
            "sessionContext": {"sessionIssuer": {"type": "Role", "arn": f"arn:aws:iam::{ACCOUNT}:role/{name}",
                                                 "accountId": ACCOUNT, "userName": name}}}


def _event(rng: random.Random, when: str) -> dict:
    role = rng.randrange(40)
    base = {"eventVersion": "1.09", "eventTime": when, "awsRegion": "eu-west-1", "eventType": "AwsApiCall",
            "recipientAccountId": ACCOUNT, "userIdentity": _identity(role, rng.randrange(500)),
            "requestID": f"{rng.getrandbits(64):016x}", "eventID": f"{rng.getrandbits(128):032x}",
            "sourceIPAddress": "10.0.0.1", "userAgent": "aws-sdk-go-v2/1.30.0"}
    kind = rng.random()
    bucket = f"data-{role:02d}-{rng.randrange(3)}"
    if kind < 0.55:
        key = f"objects/{rng.randrange(400)}.json"
        name = "GetObject" if rng.random() < 0.7 else "PutObject"
        base.update(eventSource="s3.amazonaws.com", eventName=name, readOnly=name == "GetObject",
                    requestParameters={"bucketName": bucket, "key": key},
                    resources=[{"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"},
                               {"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}])
    elif kind < 0.65:
        base.update(eventSource="s3.amazonaws.com", eventName="ListObjectsV2", readOnly=True,
                    requestParameters={"bucketName": bucket, "prefix": "objects/"})
    elif kind < 0.80:
        name = rng.choice(("GetItem", "PutItem", "Query", "UpdateItem"))
        base.update(eventSource="dynamodb.amazonaws.com", eventName=name, readOnly=name in ("GetItem", "Query"),
                    requestParameters={"tableName": f"table-{role:02d}-{rng.randrange(2)}"})
    elif kind < 0.88:
        base.update(eventSource="sqs.amazonaws.com", eventName=rng.choice(("SendMessage", "SendMessageBatch")),
                    readOnly=False,
                    requestParameters={"queueUrl": f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT}/queue-{role:02d}"})
    elif kind < 0.94:
        base.update(eventSource="kms.amazonaws.com", eventName="Decrypt", readOnly=True,
                    requestParameters={"encryptionAlgorithm": "SYMMETRIC_DEFAULT"},
                    resources=[{"accountId": ACCOUNT, "type": "AWS::KMS::Key",
                                "ARN": f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/{role:08d}-1111-2222-3333-444455556666"}])
    elif kind < 0.97:
        base.update(eventSource="monitoring.amazonaws.com", eventName="PutMetricData", readOnly=False,
                    requestParameters={"namespace": "App"})
    elif kind < 0.99:
        base.update(eventSource="sts.amazonaws.com", eventName="GetCallerIdentity", readOnly=True,
                    requestParameters=None)
    else:
        base.update(eventSource="kms.amazonaws.com", eventName="GenerateDataKey", readOnly=True,
                    userIdentity={"type": "AWSService", "invokedBy": "s3.amazonaws.com"}, requestParameters=None)
    if rng.random() < 0.01:
        base.update(errorCode="AccessDenied", errorMessage="Access Denied")
    return base


def generate_logs() -> Path:
    marker = LOGS / ".complete"
    if marker.is_file() and marker.read_text() == VERSION:
        return LOGS
    import shutil

    shutil.rmtree(LOGS, ignore_errors=True)
    rng = random.Random(13)
    for f in range(FILES):
        day, minute = 1 + f // 288, (f % 288) * 5
        stamp = f"2026-11-{day:02d}T{minute // 60:02d}:{minute % 60:02d}"
        folder = LOGS / "AWSLogs" / ACCOUNT / "CloudTrail" / "eu-west-1" / "2026" / "11" / f"{day:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        records = [_event(rng, f"{stamp}:{i % 60:02d}Z") for i in range(PER_FILE)]
        data = json.dumps({"Records": records}).encode()
        path = folder / f"{ACCOUNT}_CloudTrail_eu-west-1_{stamp.replace('-', '').replace(':', '')}Z_{f:04d}.json.gz"
        path.write_bytes(gzip.compress(data, compresslevel=6, mtime=0))
    marker.write_text(VERSION)
    return LOGS


def _link_logs(tmp: Path, ctx) -> None:
    (tmp / "logs").symlink_to(generate_logs(), target_is_directory=True)


# The same run with the plain json reader (what a policy_tf without the ``fast`` extra does):
# the templates are the same (tests/sources/test_cloudtrail_analyze.py), only the time differs.
PLAIN = ("import sys\n"
         "from policy_tf.sources.cloudtrail import records\n"
         "records.USE_FAST = False\n"
         "from policy_tf.cli import main\n"
         "sys.exit(main(['generate-template', '--cloudtrail', sys.argv[1], '--output-dir', sys.argv[2], "
         "'--no-progress']))\n")

CASES = [
    Case("generate-template --cloudtrail: 1,000,000 events",
         [TOOL, "generate-template", "--cloudtrail", "{tmp}/logs", "--output-dir", "{tmp}/out", "--no-progress"],
         None, bar=(Under(3), MaxMemory(150), MaxMemory(300, tree=True)), max_rounds=3, warmup=False,
         expect_output=False, prepare=_link_logs, timeout=900,
         note="1,000 gz files of 1,000 events each, generated once into bench/.cache/cloudtrail-1m; read by the "
              "fast extra (isal, msgspec) over one worker per core; memory: the largest process, and all "
              "processes together (PSS)"),
    Case("generate-template --cloudtrail: 1,000,000 events, plain json reader",
         [PYTHON, "-c", PLAIN, "{tmp}/logs", "{tmp}/out"],
         None, bar=None, max_rounds=2, warmup=False, expect_output=False, prepare=_link_logs,
         timeout=900, note="the same logs read by json, as without the 'fast' extra (same templates)"),
]
