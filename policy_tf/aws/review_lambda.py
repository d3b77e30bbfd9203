"""The usage-review Lambda function: ``policy_tf.aws.review_lambda.handler``.

Its configuration is the environment the Terraform module sets (``POLICY_TF_*``); the event
only chooses what to do:

* the schedule's event (or any other): one review (``review.run_review``);
* ``{"rollback": "s3://bucket/<prefix><run>/journal.json"}``: undo that run (the journal must
  be in the review's own bucket).

Events are logged as JSON (one object a line, the sample's fields) to CloudWatch Logs. A bad
configuration or a missing list object is an error event and a failed invocation, before any
change.
"""
from __future__ import annotations

import os

from policy_tf.core.errors import InputError

TRUE = ("true", "1", "yes")
FALSE = ("false", "0", "no", "")


def _flag(env: dict, name: str, default: bool) -> bool:
    value = env.get(name, "").strip().lower()
    if not value:
        return default
    if value not in TRUE + FALSE:
        raise InputError(f"{name}={env[name]!r}: expected true or false")
    return value in TRUE


def _number(env: dict, name: str, default, kind=int, low=0, high=None):
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        raise InputError(f"{name}={text!r}: expected a number") from None
    if value < low or (high is not None and value > high):
        raise InputError(f"{name}={text!r}: expected {low} to {high}")
    return value


def config_from_environment(env=None):
    """The ``ReviewConfig`` the module's environment variables describe."""
    from policy_tf.aws.advisor import TRACKING_DAYS
    from policy_tf.aws.review import ReviewConfig
    from policy_tf.aws.s3 import parse_url

    env = os.environ if env is None else env
    bucket = env.get("POLICY_TF_BUCKET", "")
    if not bucket:
        raise InputError("POLICY_TF_BUCKET is not set: the bucket for configuration, plans and journals")
    parse_url(f"s3://{bucket}/x", "POLICY_TF_BUCKET")
    lists = {}
    for name in ("exceptions", "do_not_tag", "base_actions", "always_keep"):
        source = env.get(f"POLICY_TF_{name.upper()}", "").strip()
        if source:
            parse_url(source, f"POLICY_TF_{name.upper()}")
        lists[name] = source or None
    min_age = _number(env, "POLICY_TF_MIN_AGE_DAYS", None, high=TRACKING_DAYS)
    return ReviewConfig(bucket=bucket, prefix=env.get("POLICY_TF_PREFIX", "runs/"),
                        days=_number(env, "POLICY_TF_DAYS", 90, low=1, high=TRACKING_DAYS), min_age_days=min_age,
                        enforce=_flag(env, "POLICY_TF_ENFORCE", False), tag=_flag(env, "POLICY_TF_TAG", True),
                        max_data_age=_number(env, "POLICY_TF_MAX_DATA_AGE_HOURS", 24.0, float, low=0.0),
                        timeout=_number(env, "POLICY_TF_JOB_TIMEOUT", 300.0, float, low=1.0),
                        workers=_number(env, "POLICY_TF_WORKERS", 8, low=1, high=64), **lists)


def handler(event, context):
    """Lambda entry point: a review, or a rollback; returns the summary (stored in S3 too)."""
    from policy_tf.aws import review
    from policy_tf.aws.eventlog import EventLog
    from policy_tf.aws.session import session
    from policy_tf.core.errors import PolicyTfError

    log = EventLog(os.environ.get("POLICY_TF_LOG_FORMAT", "json") or "json")
    try:
        config = config_from_environment()
        boto_session = session()
        workdir = os.environ.get("POLICY_TF_WORKDIR", "/tmp")  # noqa: S108 - Lambda's only writable folder
        if isinstance(event, dict) and event.get("rollback"):
            return review.rollback(boto_session, str(event["rollback"]), log, bucket=config.bucket, workdir=workdir)
        request = getattr(context, "aws_request_id", "") or ""
        from policy_tf.aws.advisor import utcnow

        return review.run_review(boto_session, config, log, run=review.run_id(utcnow(), request), workdir=workdir)
    except PolicyTfError as exc:
        log.error(str(exc))
        raise
