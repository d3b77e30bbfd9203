"""S3 objects as inputs and outputs: ``s3://bucket/key`` read with a size cap, bytes stored as given.

Inputs read from S3 are bytes handed to the same safe reader as local files
(``policy_tf.core.safeload.decode``): the cap is enforced while the body is read, so a huge
object costs at most the cap. Outputs are stored exactly as the local writers produce them,
each under a key of its own: a run never overwrites an earlier run's plan or journal.
"""
from __future__ import annotations

import re

from policy_tf.core.errors import InputError

# S3 bucket names: 3-63 lowercase letters, digits, dots and hyphens (no underscores, no upper case).
_URL = re.compile(r"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(.+)$")


def is_s3_url(text: str) -> bool:
    return isinstance(text, str) and text.startswith("s3://")


def parse_url(text: str, what: str = "S3 location") -> tuple[str, str]:
    """``s3://bucket/key`` -> (bucket, key); InputError naming ``what`` for anything else."""
    match = _URL.match(text)
    if not match or any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise InputError(f"{what} {text!r}: expected s3://BUCKET/KEY (a bucket name of 3 to 63 lowercase letters, "
                         "digits, dots and hyphens, and a key)")
    return match.group(1), match.group(2)


def read_bytes(url: str, what: str, limit: int, boto_session=None) -> bytes:
    """The body of ``url``, at most ``limit`` bytes (more: InputError); a missing or unreadable object is an
    InputError naming it, raised before the caller changes anything."""
    from policy_tf.aws.session import aws_errors, client, error_message

    bucket, key = parse_url(url, what)
    try:
        response = client("s3", boto_session=boto_session).get_object(Bucket=bucket, Key=key)
    except aws_errors() as exc:  # NoSuchKey, NoSuchBucket, AccessDenied, no credentials, no connection
        raise InputError(f"{what} {url}: cannot read: {error_message(exc)}") from None
    body = response["Body"]
    try:
        data = body.read(limit + 1)
    except (*aws_errors(), OSError) as exc:  # a connection cut while reading
        raise InputError(f"{what} {url}: cannot read: {error_message(exc)}") from None
    finally:
        body.close()
    if len(data) > limit:
        raise InputError(f"{what} {url}: larger than the {limit:,}-byte limit")
    return data


def read_text(url: str, what: str, boto_session=None) -> str:
    """The object's text, through the same checks as a local file (size, strict UTF-8)."""
    from policy_tf.core import safeload

    return safeload.decode(read_bytes(url, what, safeload.MAX_CHARS * 4, boto_session), url)


def put_bytes(bucket: str, key: str, data: bytes, content_type: str, boto_session=None) -> str:
    """Store ``data`` at ``s3://bucket/key``, only if no object is there (S3's conditional write,
    ``If-None-Match: *``): an earlier plan or journal is never replaced. Returns the URL."""
    from policy_tf.aws.session import client

    s3 = client("s3", boto_session=boto_session)
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type, ServerSideEncryption="AES256",
                      IfNoneMatch="*")
    except s3.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("PreconditionFailed", "ConditionalRequestConflict"):
            raise InputError(f"s3://{bucket}/{key}: already exists; policy_tf never replaces an earlier run's "
                             "plan, journal or summary") from None
        raise
    return f"s3://{bucket}/{key}"


def replace_bytes(bucket: str, key: str, data: bytes, content_type: str, boto_session=None) -> str:
    """Store ``data`` at ``s3://bucket/key``, replacing the run's own object (a journal as it grows)."""
    from policy_tf.aws.session import client

    client("s3", boto_session=boto_session).put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type,
                                                       ServerSideEncryption="AES256")
    return f"s3://{bucket}/{key}"


class S3Store:
    """The objects under ``s3://bucket/prefix`` as a store of named records (plans, journals, summaries).

    ``create`` never replaces an object (S3's conditional write); ``replace`` rewrites the
    run's own growing journal; ``read`` goes through the size cap; ``names`` lists the prefix.
    """

    def __init__(self, bucket: str, prefix: str, boto_session=None, content_type: str = "application/json"):
        self.bucket, self.prefix, self.boto_session, self.content_type = bucket, prefix, boto_session, content_type

    def path(self, name: str) -> str:
        return f"s3://{self.bucket}/{self.prefix}{name}"

    def read(self, name: str) -> bytes:
        from policy_tf.core.safeload import MAX_CHARS

        return read_bytes(self.path(name), "record", MAX_CHARS * 4, self.boto_session)

    def create(self, name: str, data: bytes) -> None:
        put_bytes(self.bucket, self.prefix + name, data, self.content_type, self.boto_session)

    def replace(self, name: str, data: bytes) -> None:
        replace_bytes(self.bucket, self.prefix + name, data, self.content_type, self.boto_session)

    def names(self) -> list[str]:
        from policy_tf.aws.session import client

        found = []
        pages = client("s3", boto_session=self.boto_session).get_paginator("list_objects_v2")
        for page in pages.paginate(Bucket=self.bucket, Prefix=self.prefix):
            found += [item["Key"][len(self.prefix):] for item in page.get("Contents", [])]
        return sorted(found)
