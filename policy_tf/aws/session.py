"""boto3 clients, made only through boto3's own configuration.

Credentials come from boto3's standard chain (environment, shared files, SSO, instance
metadata...), and endpoints follow ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SERVICE>`` as
boto3 reads them: policy_tf adds no flag of its own for either.
"""
from __future__ import annotations


def session(profile: str | None = None, region: str | None = None):
    """A boto3 session for ``profile`` / ``region`` (None: boto3's defaults)."""
    try:
        import boto3
    except ImportError as exc:  # pragma: no cover - boto3 is an install requirement
        from policy_tf.errors import PolicyTfError

        raise PolicyTfError("boto3 is needed for AWS account commands: pip install boto3") from exc
    return boto3.Session(profile_name=profile, region_name=region)


def client(service: str, profile: str | None = None, region: str | None = None, boto_session=None):
    """A client with botocore's adaptive retries (throttling backs off instead of failing)."""
    from botocore.config import Config

    config = Config(retries={"mode": "adaptive", "max_attempts": 10}, user_agent_extra="policy_tf")
    return (boto_session or session(profile, region)).client(service, config=config)
