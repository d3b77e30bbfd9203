"""CloudTrail log files, local or in S3, read one file at a time.

CloudTrail delivers a file every few minutes per region (``*.json.gz``, a ``Records`` array),
so a month is thousands of small files: streaming file by file keeps memory at one file's worth.
A file that cannot be read is reported and skipped; the others are still read.
"""
from __future__ import annotations

import gzip
import json
import os
import re
import zlib
from dataclasses import dataclass
from typing import Iterator

from policy_tf.errors import InputError

# CloudTrail files are a few MB uncompressed; anything far larger is not a CloudTrail file (or a
# gzip bomb), and json would need several times its size in memory.
MAX_FILE_BYTES = 256 * 1024 * 1024
SUFFIXES = (".json.gz", ".json")
# AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<file>: the folder is the delivery day.
_DAY = re.compile(r"(?:^|/)(\d{4})/(\d{2})/(\d{2})/[^/]*$")


def is_log_name(name: str) -> bool:
    """A log file's name, not a digest file's (CloudTrail-Digest/: hashes, no Records)."""
    return name.endswith(SUFFIXES) and "CloudTrail-Digest" not in name.replace(os.sep, "/")


@dataclass(frozen=True)
class LogFile:
    name: str  # as shown to the user: a path or s3://bucket/key
    key: str   # the path, or the S3 key


@dataclass(frozen=True)
class BadFile:
    name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name}: {self.reason}"


def delivered_before(key: str, day: str) -> bool:
    """True when the file's delivery-day folder is before ``day`` (YYYY-MM-DD).

    Every event of a file was recorded before its delivery, so such a file holds nothing at or
    after ``day``; files outside the usual layout are always read.
    """
    found = _DAY.search(key.replace(os.sep, "/"))
    return bool(found) and "-".join(found.groups()) < day


class LocalSource:
    """A log file, or every log file under a folder (recursively, in sorted order)."""

    def __init__(self, path: str):
        self.path = path
        if not os.path.exists(path):
            raise InputError(f"{path}: no such file or folder")

    def files(self) -> list[LogFile]:
        if os.path.isfile(self.path):
            return [LogFile(self.path, self.path)]
        found = []
        for folder, dirs, names in os.walk(self.path):
            dirs.sort()
            found += [p for p in (os.path.join(folder, n) for n in sorted(names)) if is_log_name(p)]
        return [LogFile(p, p) for p in found]

    def open(self, log: LogFile):
        return open(log.key, "rb")


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
            from policy_tf.errors import PolicyTfError

            raise PolicyTfError(f"s3://{self.bucket}/{self.prefix}: cannot list the log files: {exc}") from None
        return [LogFile(f"s3://{self.bucket}/{k}", k) for k in sorted(keys)]

    def open(self, log: LogFile):
        return self.client.get_object(Bucket=self.bucket, Key=log.key)["Body"]


def source_for(location: str):
    return S3Source(location) if location.startswith("s3://") else LocalSource(location)


def read_records(source, log: LogFile) -> list:
    """The ``Records`` of one file; raises ``ValueError`` or ``OSError`` with a reason."""
    with source.open(log) as raw:
        head = raw.read(2)
        if head == b"\x1f\x8b":
            stream = gzip.GzipFile(fileobj=_Prepend(head, raw))
            data = stream.read(MAX_FILE_BYTES + 1)
        else:
            data = head + raw.read(MAX_FILE_BYTES - 1)
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"larger than {MAX_FILE_BYTES // 2 ** 20} MiB uncompressed; not a CloudTrail log file")
    try:
        document = json.loads(data)
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 JSON") from None
    except RecursionError:
        raise ValueError("nested too deeply; not a CloudTrail log file") from None
    if not isinstance(document, dict) or not isinstance(document.get("Records"), list):
        raise ValueError("not a CloudTrail log file: expected a JSON object with a 'Records' list")
    return document["Records"]


def iter_files(source, files: list[LogFile], bad: list[BadFile]) -> Iterator[tuple[LogFile, list]]:
    """(file, records) for every readable file; unreadable ones are appended to ``bad``."""
    for log in files:
        try:
            records = read_records(source, log)
        except (OSError, EOFError, ValueError, zlib.error) as exc:
            bad.append(BadFile(log.name, _reason(exc)))
            continue
        except Exception as exc:  # botocore errors: the file is reported, the others still read
            if type(exc).__module__.startswith("botocore"):
                bad.append(BadFile(log.name, str(exc)))
                continue
            raise
        yield log, records


def _reason(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
    if isinstance(exc, (gzip.BadGzipFile, EOFError, zlib.error)):
        return f"not a valid gzip file: {exc}"
    if isinstance(exc, OSError):
        return f"cannot read: {exc.strerror or exc}"
    return str(exc)


class _Prepend:
    """A read-only stream that first returns ``head`` (the magic bytes already read)."""

    def __init__(self, head: bytes, raw):
        self.head, self.raw = head, raw

    def read(self, size: int = -1) -> bytes:
        if self.head:
            out, self.head = self.head, b""
            if size is None or size < 0:
                return out + self.raw.read()
            return out + (self.raw.read(size - len(out)) if size > len(out) else b"")
        return self.raw.read() if size is None or size < 0 else self.raw.read(size)
