"""boto3 clients, made only through boto3's own configuration.

Credentials come from boto3's standard chain (environment, shared files, SSO, instance
metadata...), and endpoints follow ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SERVICE>`` as
boto3 reads them: policy_tf adds no flag of its own for either.
"""
from __future__ import annotations

MAX_ATTEMPTS = 10  # botocore's adaptive mode backs off on throttling between attempts
_LOADER = None  # botocore's data loader, shared by every session of the process


def _botocore_session():
    """A new botocore session that shares one data loader with the others.

    Loading the IAM and STS service models is most of what making a client costs; org mode
    makes a session per account, and the models are the same in each.
    """
    import botocore.session

    global _LOADER
    core = botocore.session.get_session()
    if _LOADER is None:
        _LOADER = core.get_component("data_loader")
    else:
        core.register_component("data_loader", _LOADER)
    return core


def session(profile: str | None = None, region: str | None = None):
    """A boto3 session for ``profile`` / ``region`` (None: boto3's defaults)."""
    try:
        import boto3
    except ImportError as exc:  # pragma: no cover - boto3 is an install requirement
        from policy_tf.core.errors import PolicyTfError

        raise PolicyTfError("boto3 is needed for AWS account commands: pip install boto3") from exc
    try:
        return boto3.Session(profile_name=profile, region_name=region, botocore_session=_botocore_session())
    except aws_errors() as exc:  # botocore.exceptions.ProfileNotFound and friends
        from policy_tf.core.errors import InputError

        raise InputError(f"AWS profile {profile!r}: {exc}") from None


def client(service: str, profile: str | None = None, region: str | None = None, boto_session=None):
    """A client with botocore's adaptive retries (throttling backs off instead of failing)."""
    import os

    from botocore.config import Config

    # boto3's own settings win: AWS_MAX_ATTEMPTS / AWS_RETRY_MODE, as in its shared config.
    retries = {"mode": os.environ.get("AWS_RETRY_MODE") or "adaptive",
               "max_attempts": int(os.environ["AWS_MAX_ATTEMPTS"])
               if os.environ.get("AWS_MAX_ATTEMPTS", "").isdigit() else MAX_ATTEMPTS}
    config = Config(retries=retries, user_agent_extra="policy_tf")
    # IAM and STS are global: a region is needed to sign, us-east-1 when none is configured.
    boto_session = boto_session or session(profile, region)
    region_name = None if boto_session.region_name else "us-east-1"
    return boto_session.client(service, config=config, region_name=region_name)


def caller_identity(boto_session) -> dict:
    """``sts get-caller-identity``: Account, Arn and UserId of the principal running policy_tf."""
    return client("sts", boto_session=boto_session).get_caller_identity()


def assumed_session(base_session, account: str, role_name: str, session_name: str = "policy_tf", sts=None):
    """A session in ``account`` through ``sts:AssumeRole`` on ``role/<role_name>`` there.

    ``sts``: a client of ``base_session`` to reuse; boto3 sessions are not thread-safe, clients
    are, so org mode makes one before its worker threads start.
    """
    import boto3

    sts = sts or client("sts", boto_session=base_session)
    role_arn = f"arn:{sts.meta.partition}:iam::{account}:role/{role_name}"
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name)["Credentials"]
    return boto3.Session(aws_access_key_id=credentials["AccessKeyId"],
                         aws_secret_access_key=credentials["SecretAccessKey"],
                         aws_session_token=credentials["SessionToken"],
                         region_name=base_session.region_name, botocore_session=_botocore_session())


def aws_errors() -> tuple:
    """botocore's two error roots: a service's answer (ClientError) and everything before one
    (no credentials, no connection, an unknown profile: BotoCoreError)."""
    from botocore.exceptions import BotoCoreError, ClientError

    return (ClientError, BotoCoreError)


def error_message(exc: Exception) -> str:
    """One line for an AWS error: ``Code: message`` for service errors, else the text."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        error = response["Error"]
        return f"{error.get('Code', 'Error')}: {error.get('Message', '')}".rstrip(": ")
    return str(exc) or type(exc).__name__
