"""A real local AWS endpoint for the AWS account commands: moto's ThreadedMotoServer, plus what moto lacks.

moto looks a handler up on ``IamResponse`` by the request's action name on every request, so
the handlers below are installed there (once per process, reversibly):

* Access Advisor: ``GenerateServiceLastAccessedDetails``, ``GetServiceLastAccessedDetails`` and
  ``..._WithEntities``, answering from usage fixtures (``Harness.usage``), paginated with a tiny
  page size so that every client must follow ``Marker``; jobs stay IN_PROGRESS for a poll or two.
* User permissions boundaries: ``Put/DeleteUserPermissionsBoundary``, returned by ``GetUser`` and
  ``GetAccountAuthorizationDetails``.
* Limits AWS enforces and moto does not: 50 tags per role or user (counting those already
  there), IAM's tag character set, case-insensitive tag keys, 6,144 characters per managed
  policy, and no boundary on a service-linked role.
* ``GetAccountAuthorizationDetails`` paginated (moto answers in one page).
* Access denied on demand: every IAM call from an account in ``Harness.denied_accounts``.
* Throttling on demand: ``Harness.throttle["Action"] = n`` fails the next n calls with
  ``Throttling``, which botocore's adaptive retries must absorb.

Times in usage fixtures are relative (``days_ago``), so the fixtures never go stale.
"""
from __future__ import annotations

import datetime
import threading
import unicodedata
import urllib.request
import uuid
from collections import Counter

from moto.core.responses import ActionResult, EmptyResult
from moto.iam.exceptions import IAMException, InvalidInput, LimitExceededException, NotFoundException
from moto.iam.responses import IamResponse

FIXTURES_USAGE = __import__("pathlib").Path(__file__).resolve().parent / "fixtures" / "aws" / "usage.yml"
MAX_TAGS = 50
MAX_MANAGED_POLICY = 6144
PAGE_SIZE = 2  # small on purpose: every list is paginated


class UnmodifiableEntity(IAMException):
    code = "UnmodifiableEntity"


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _ago(days) -> datetime.datetime | None:
    return None if days is None else _now() - datetime.timedelta(days=days)


class Harness:
    """State the added handlers read; reset between tests."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.endpoint = ""
        self.reset_state()

    def reset_state(self) -> None:
        # entity ARN -> {"services": [...], "job": "FAILED", "job_age_hours": 48, "in_progress_polls": 1}
        self.usage: dict[str, dict] = {}
        self.jobs: dict[str, dict] = {}
        self.throttle: Counter = Counter()
        self.calls: Counter = Counter()
        self.denied_accounts: set[str] = set()  # every IAM call from these accounts: AccessDenied

    def reset(self) -> None:
        urllib.request.urlopen(urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST"),
                               timeout=10).close()
        self.reset_state()


HARNESS = Harness()


# --- Access Advisor -----------------------------------------------------------------------------

def _services(job: dict) -> list[dict]:
    services = []
    for service in HARNESS.usage.get(job["arn"], {}).get("services", []):
        item = {"ServiceNamespace": service["namespace"], "ServiceName": service.get("name", service["namespace"]),
                "TotalAuthenticatedEntities": 1 if service.get("days_ago") is not None else 0}
        if service.get("days_ago") is not None:
            item.update(LastAuthenticated=_ago(service["days_ago"]), LastAuthenticatedEntity=job["arn"],
                        LastAuthenticatedRegion=service.get("region", "us-east-1"))
        if job["granularity"] == "ACTION_LEVEL" and "actions" in service:
            item["TrackedActionsLastAccessed"] = [
                {"ActionName": a["name"], **({"LastAccessedTime": _ago(a["days_ago"]), "LastAccessedEntity": job["arn"],
                                              "LastAccessedRegion": a.get("region", "us-east-1")}
                                             if a.get("days_ago") is not None else {})}
                for a in service["actions"]]
        services.append(item)
    return services


def _page(items: list, marker, max_items) -> tuple[list, dict]:
    start = int(marker or 0)
    size = int(max_items or PAGE_SIZE)
    more = start + size < len(items)
    return items[start:start + size], {"IsTruncated": more, **({"Marker": str(start + size)} if more else {})}


def generate_service_last_accessed_details(self) -> ActionResult:
    job_id = str(uuid.uuid4())
    arn = self._get_param("Arn")
    fixture = HARNESS.usage.get(arn, {})
    with HARNESS.lock:
        HARNESS.jobs[job_id] = {"arn": arn, "granularity": self._get_param("Granularity") or "SERVICE_LEVEL",
                                "created": _now() - datetime.timedelta(hours=fixture.get("job_age_hours", 0)),
                                "polls": fixture.get("in_progress_polls", 1)}
    return ActionResult({"JobId": job_id})


def _job(self) -> dict:
    job = HARNESS.jobs.get(self._get_param("JobId"))
    if job is None:
        raise NotFoundException(f"No job found with id {self._get_param('JobId')}")
    return job


def get_service_last_accessed_details(self) -> ActionResult:
    job = _job(self)
    with HARNESS.lock:
        if job["polls"] > 0:
            job["polls"] -= 1
            return ActionResult({"JobStatus": "IN_PROGRESS", "JobCreationDate": job["created"],
                                 "ServicesLastAccessed": []})
    done = {"JobCreationDate": job["created"], "JobCompletionDate": job["created"] + datetime.timedelta(seconds=5),
            "JobType": job["granularity"]}
    if HARNESS.usage.get(job["arn"], {}).get("job") == "FAILED":
        return ActionResult({"JobStatus": "FAILED", **done, "ServicesLastAccessed": [],
                             "Error": {"Code": "InternalError", "Message": "the report could not be generated"}})
    items, paging = _page(_services(job), self._get_param("Marker"), self._get_param("MaxItems"))
    return ActionResult({"JobStatus": "COMPLETED", **done, "ServicesLastAccessed": items, **paging})


def get_service_last_accessed_details_with_entities(self) -> ActionResult:
    job = _job(self)
    namespace = self._get_param("ServiceNamespace")
    service = next((s for s in HARNESS.usage.get(job["arn"], {}).get("services", []) if s["namespace"] == namespace),
                   {})
    account = job["arn"].split(":")[4]
    details = [{"EntityInfo": {"Arn": f"arn:aws:iam::{account}:{u['type'].lower()}/{u['name']}", "Name": u["name"],
                               "Type": u["type"], "Id": u["name"].upper(), "Path": "/"},
                "LastAuthenticated": _ago(u["days_ago"])} for u in service.get("used_by", [])]
    items, paging = _page(details, self._get_param("Marker"), self._get_param("MaxItems"))
    return ActionResult({"JobStatus": "COMPLETED", "JobCreationDate": job["created"],
                         "JobCompletionDate": job["created"], "EntityDetailsList": items, **paging})


# --- user permissions boundaries, service-linked roles ---------------------------------------------

def put_user_permissions_boundary(self) -> ActionResult:
    user = self.backend.get_user(self._get_param("UserName"))
    arn = self._get_param("PermissionsBoundary")
    self.backend.get_policy(arn)  # NoSuchEntity for a policy that does not exist
    user.permissions_boundary = {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": arn}
    return EmptyResult()


def delete_user_permissions_boundary(self) -> ActionResult:
    self.backend.get_user(self._get_param("UserName")).permissions_boundary = None
    return EmptyResult()


def put_role_permissions_boundary(self) -> ActionResult:
    role = self.backend.get_role(self._get_param("RoleName"))
    if role.path.startswith("/aws-service-role/"):
        raise UnmodifiableEntity(f"Cannot perform the operation on the protected role '{role.name}' - "
                                 "this role is only modifiable by AWS")
    return ORIGINAL["put_role_permissions_boundary"][1](self)


# --- tags ---------------------------------------------------------------------------------------

def _tag_text_ok(text: str, allow_empty: bool) -> bool:
    # IAM: [\p{L}\p{Z}\p{N}_.:/=+\-@]
    return (allow_empty or bool(text)) and all(
        c in "_.:/=+-@" or unicodedata.category(c)[0] in "LZN" for c in text)


def _check_new_tags(tags: list[dict], existing: list[dict]) -> None:
    lowered = [t["Key"].lower() for t in tags]
    if len(set(lowered)) != len(lowered):
        raise InvalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
    for tag in tags:
        if len(tag["Key"]) > 128 or not _tag_text_ok(tag["Key"], False):
            raise InvalidInput(f"Invalid tag key {tag['Key']!r}")
        if len(tag["Value"]) > 256 or not _tag_text_ok(tag["Value"], True):
            raise InvalidInput(f"Invalid tag value {tag['Value']!r}")
    if len({t["Key"].lower() for t in existing} | set(lowered)) > MAX_TAGS:
        raise LimitExceededException(f"Cannot exceed quota for TagsPerRole/User: {MAX_TAGS}")


def tag_role(self) -> ActionResult:
    role = self.backend.get_role(self._get_param("RoleName"))
    tags = self._get_param("Tags", [])
    _check_new_tags(tags, role.tags)
    new = {t["Key"].lower() for t in tags}
    role.tags = [t for t in role.tags if t["Key"].lower() not in new] + tags  # keys match ignoring case
    return EmptyResult()


def untag_role(self) -> ActionResult:
    role = self.backend.get_role(self._get_param("RoleName"))
    gone = {k.lower() for k in self._get_param("TagKeys", [])}
    role.tags = [t for t in role.tags if t["Key"].lower() not in gone]
    return EmptyResult()


def _user_tags(self, user) -> list[dict]:
    return self.backend.tagger.list_tags_for_resource(user.arn)["Tags"]


def tag_user(self) -> ActionResult:
    user = self.backend.get_user(self._get_param("UserName"))
    tags = self._get_param("Tags", [])
    existing = _user_tags(self, user)
    _check_new_tags(tags, existing)
    new = {t["Key"].lower() for t in tags}
    self.backend.tagger.untag_resource_using_names(user.arn, [t["Key"] for t in existing if t["Key"].lower() in new])
    self.backend.tagger.tag_resource(user.arn, tags)
    return EmptyResult()


def untag_user(self) -> ActionResult:
    user = self.backend.get_user(self._get_param("UserName"))
    gone = {k.lower() for k in self._get_param("TagKeys", [])}
    self.backend.tagger.untag_resource_using_names(
        user.arn, [t["Key"] for t in _user_tags(self, user) if t["Key"].lower() in gone])
    return EmptyResult()


# --- managed policy size, authorization details pages ---------------------------------------------

def _check_size(self) -> None:
    size = len("".join(str(self._get_param("PolicyDocument")).split()))
    if size > MAX_MANAGED_POLICY:
        raise LimitExceededException(f"Cannot exceed quota for PolicySize: {MAX_MANAGED_POLICY}")


def create_policy(self) -> ActionResult:
    _check_size(self)
    return ORIGINAL["create_policy"][1](self)


def create_policy_version(self) -> ActionResult:
    _check_size(self)
    return ORIGINAL["create_policy_version"][1](self)


_DETAIL_KEYS = (("users", "UserDetailList"), ("groups", "GroupDetailList"), ("roles", "RoleDetailList"),
                ("managed_policies", "Policies"))


class _PolicyDetail:
    """A managed policy as GetAccountAuthorizationDetails shows it: moto leaves out PolicyName and PolicyId."""

    def __init__(self, policy) -> None:
        self._policy = policy
        self.PolicyName = policy.name
        self.PolicyId = policy.id

    def __getattr__(self, name):
        return getattr(self._policy, name)


def get_account_authorization_details(self) -> ActionResult:
    details = self.backend.get_account_authorization_details(self._get_param("Filter", []))
    details["managed_policies"] = [_PolicyDetail(p) for p in details["managed_policies"]]
    flat = [(key, item) for source, key in _DETAIL_KEYS for item in details[source]]
    items, paging = _page(flat, self._get_param("Marker"), self._get_param("MaxItems"))
    result = {key: [item for k, item in items if k == key] for _, key in _DETAIL_KEYS}
    return ActionResult({**result, **paging})


# --- throttling and call counts -------------------------------------------------------------------

_THROTTLED = ('<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>'
              "<Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
              "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>")


_DENIED = ('<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>'
           "<Code>AccessDenied</Code><Message>not authorized to perform this action</Message></Error>"
           "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>")


def call_action(self):
    action = self._get_action()
    if self.current_account in HARNESS.denied_accounts:
        return 403, {"status": 403, "Content-Type": "text/xml"}, _DENIED
    with HARNESS.lock:
        HARNESS.calls[action] += 1
        throttled = HARNESS.throttle[action] > 0
        if throttled:
            HARNESS.throttle[action] -= 1
    if throttled:
        return 400, {"status": 400, "Content-Type": "text/xml"}, _THROTTLED
    return ORIGINAL["call_action"][1](self)


HANDLERS = {f.__name__: f for f in (
    generate_service_last_accessed_details, get_service_last_accessed_details,
    get_service_last_accessed_details_with_entities, put_user_permissions_boundary, delete_user_permissions_boundary,
    put_role_permissions_boundary, tag_role, untag_role, tag_user, untag_user, create_policy, create_policy_version,
    get_account_authorization_details, call_action)}
ORIGINAL: dict = {}  # name -> (IamResponse's own attribute or None, what it resolved to)


def install() -> None:
    """Add the handlers to IamResponse (idempotent)."""
    if ORIGINAL:
        return
    for name, handler in HANDLERS.items():
        ORIGINAL[name] = (IamResponse.__dict__.get(name), getattr(IamResponse, name, None))
        setattr(IamResponse, name, handler)


def uninstall() -> None:
    for name, (original, _) in ORIGINAL.items():
        if original is None:
            delattr(IamResponse, name)
        else:
            setattr(IamResponse, name, original)
    ORIGINAL.clear()


def start():
    """Start the server on a free port of 127.0.0.1 and install the handlers; returns the server."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log on the tests' stderr
    install()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    HARNESS.endpoint = f"http://{host}:{port}"
    HARNESS.reset()
    return server


def environment(endpoint: str) -> dict[str, str]:
    """What a test sets so that boto3 (and only boto3's own settings) point at the server."""
    return {"AWS_ENDPOINT_URL": endpoint, "AWS_ENDPOINT_URL_IAM": endpoint, "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"}


# --- pytest fixtures (imported by the test modules that use them) --------------------------------

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def moto_server():
    server = start()
    yield HARNESS
    server.stop()
    uninstall()


@pytest.fixture
def aws(moto_server, monkeypatch):
    """A fresh account on the server, with boto3 pointed at it through the environment only."""
    moto_server.reset()
    for name, value in environment(moto_server.endpoint).items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    return moto_server


def iam_client():
    """A boto3 IAM client for test set-up, configured by the same environment as policy_tf."""
    import boto3

    return boto3.client("iam", region_name="us-east-1")


def load_usage(path, account: str = "123456789012") -> dict[str, dict]:
    """A usage fixture file (keys ``<type>/<name>``) as the harness wants it (keys: ARNs)."""
    from pathlib import Path

    import yaml

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return {f"arn:aws:iam::{account}:{key}": value for key, value in data.items()}
