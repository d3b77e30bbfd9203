"""download-policies: save an account's managed and inline policies, with a manifest.

Everything comes from one paginated ``GetAccountAuthorizationDetails`` call: the policies
with all their versions, and every role, user and group with its inline policies and
attachments, so that the manifest can say what each policy is attached to.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from policy_tf.aws.files import safe_name, to_json
from policy_tf.core.progress import bar as progress_bar

AUTHORIZATION_DETAILS = "account-authorization-details.json"
MANIFEST = "manifest.json"
# The detail list and inline-policy list of each entity kind in the API's answer.
KINDS = {"roles": ("RoleDetailList", "RolePolicyList", "RoleName"),
         "users": ("UserDetailList", "UserPolicyList", "UserName"),
         "groups": ("GroupDetailList", "GroupPolicyList", "GroupName")}


@dataclass
class DownloadSummary:
    account: str
    folder: Path
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # parts of AWS's answer that could not be read

    def line(self) -> str:
        removed = f", {len(self.removed)} removed" if self.removed else ""
        count = len(self.problems)
        problems = f", {count} part{'s' if count > 1 else ''} of AWS's answer skipped" if count else ""
        return (f"{self.account}: {len(self.written) + len(self.unchanged)} files in {self.folder} "
                f"({len(self.written)} written, {len(self.unchanged)} unchanged{removed}{problems})")


def authorization_details(iam, aws_managed: bool) -> dict:
    """The whole ``get-account-authorization-details`` answer, every page merged as the AWS CLI does."""
    filters = ["User", "Role", "Group", "LocalManagedPolicy"] + (["AWSManagedPolicy"] if aws_managed else [])
    paginator = iam.get_paginator("get_account_authorization_details")
    return paginator.paginate(Filter=filters).build_full_result()


def download_policies(boto_session, output_dir: str | Path, *, aws_managed: bool = False,
                      include_unattached: bool = False, all_versions: bool = False,
                      save_authorization_details: bool = False, progress: bool = False) -> DownloadSummary:
    """Save the policies of the account ``boto_session`` is in under ``output_dir/<account>/``.

    Every file or none (``atomic.Batch``): a failing disk, or a link planted in the folder,
    leaves what an earlier run wrote as it was. Parts of AWS's answer that cannot be read
    (missing or ill-typed fields) are skipped and listed in ``problems``.
    """
    from policy_tf.aws.session import caller_identity, client
    from policy_tf.core.atomic import Batch

    account = caller_identity(boto_session)["Account"]
    details = authorization_details(client("iam", boto_session=boto_session), aws_managed)
    problems: list[str] = []
    files = policy_files(details, include_unattached, all_versions, problems)
    root = Path(output_dir) / safe_name(account)
    summary = DownloadSummary(account, root, problems=problems)
    manifest = []
    bar = progress_bar(len(files) + 2, f"{account} policies", "file", enabled=progress, leave=False)
    try:
        with Batch(root) as batch:
            previous = _previous_files(batch.read_bytes(MANIFEST))
            for relative, document, entry in files:
                text = to_json(document)
                entry["file"] = relative
                entry["sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
                manifest.append(entry)
                batch.write_text(relative, text)
                bar.update()
            if save_authorization_details:
                # Exactly what `aws iam get-account-authorization-details` prints: `audit` reads it.
                batch.write_text(AUTHORIZATION_DETAILS, to_json(details, indent=4))
            bar.update()
            batch.write_text(MANIFEST, to_json({"account": account, "policies": manifest}))
            bar.update()
            # Policies gone from the account since the last run: only files that run's manifest listed.
            for relative in sorted(previous - {entry["file"] for entry in manifest}):
                batch.remove(relative)
    finally:
        bar.close()
    summary.written, summary.unchanged, summary.removed = batch.written, batch.unchanged, batch.removed
    return summary


def _previous_files(data: bytes | None) -> set[str]:
    """The policy files the manifest of an earlier run lists (none if it is missing or unreadable)."""
    try:
        manifest = json.loads(data or b"")
        return {entry["file"] for entry in manifest["policies"] if isinstance(entry.get("file"), str)
                and _relative_ok(entry["file"])}
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return set()


def _relative_ok(relative: str) -> bool:
    """A path this command writes: a few plain components, never climbing out."""
    parts = relative.split("/")
    return 0 < len(parts) <= 4 and all(p and p not in (".", "..") and "\0" not in p for p in parts)


class _Reader:
    """Reads fields of AWS's answer defensively: what is missing or ill-typed is a problem, not a traceback."""

    def __init__(self, problems: list[str]):
        self.problems = problems

    def items(self, container, key: str, where: str) -> list[dict]:
        value = container.get(key, []) if isinstance(container, dict) else []
        path = f"{where}.{key}" if where else key
        if not isinstance(value, list):
            self.problems.append(f"{path}: a list expected, got {type(value).__name__}: skipped")
            return []
        good = []
        for index, item in enumerate(value):
            if isinstance(item, dict):
                good.append(item)
            else:
                self.problems.append(f"{path}[{index}]: an object expected, got {type(item).__name__}: skipped")
        return good

    def text(self, item: dict, key: str, where: str) -> str | None:
        value = item.get(key)
        if isinstance(value, str) and value:
            return value
        self.problems.append(f"{where}: '{key}' " + ("missing" if value is None else
                                                      f"must be a non-empty string, got {type(value).__name__}")
                             + ": skipped")
        return None


def policy_name_from_arn(arn: str) -> str:
    """A managed policy's name from its ARN (``arn:aws:iam::123:policy/path/Name`` -> ``Name``)."""
    return arn.rsplit("/", 1)[-1] if ":policy/" in arn else ""


def policy_files(details: dict, include_unattached: bool, all_versions: bool,
                 problems: list[str] | None = None) -> list[tuple[str, dict, dict]]:
    """``(relative path, policy document, manifest entry)`` for every policy to save, sorted by path.

    ``problems``: where a part of the answer that could not be read is described (and skipped).
    """
    from policy_tf.core.atomic import fit_name

    problems = [] if problems is None else problems
    read = _Reader(problems)
    if not isinstance(details, dict):
        problems.append(f"the answer: an object expected, got {type(details).__name__}")
        return []
    attached = _attachments(details, read)
    files = []
    for index, policy in enumerate(read.items(details, "Policies", "")):
        where = f"Policies[{index}]"
        arn = read.text(policy, "Arn", where)
        if arn is None:
            continue
        where = f"Policies[{index}] ({arn})"
        in_use = policy.get("AttachmentCount", 0) or policy.get("PermissionsBoundaryUsageCount", 0)
        if not in_use and not include_unattached:
            continue
        parts = arn.split(":")
        folder = "aws-managed" if len(parts) > 4 and parts[4] == "aws" else "customer-managed"
        name = policy.get("PolicyName")
        if not isinstance(name, str) or not name:  # moto 5.2.6 leaves it out: the ARN names it too
            name = policy_name_from_arn(arn)
            if not name:
                problems.append(f"{where}: no 'PolicyName' and no name in the ARN: skipped")
                continue
        stem = safe_name(name)
        for number, version in enumerate(read.items(policy, "PolicyVersionList", where)):
            default = version.get("IsDefaultVersion", False) is True
            if not default and not all_versions:
                continue
            version_id = read.text(version, "VersionId", f"{where}.PolicyVersionList[{number}]")
            document = _document(version.get("Document"), f"{where} version {version_id}", problems)
            if version_id is None or document is None:
                continue
            relative = (f"{folder}/{fit_name(stem + '.json')}" if default else
                        f"{folder}/{fit_name(stem + '.versions')}/{fit_name(safe_name(version_id) + '.json')}")
            entry = {"kind": folder, "arn": arn, "name": name, "version_id": version_id,
                     "default_version": default, "attached_to": attached.get(arn, _empty_attachments())}
            files.append((relative, document, entry))
    for kind, (detail_list, inline_list, name_key) in KINDS.items():
        for index, entity in enumerate(read.items(details, detail_list, "")):
            where = f"{detail_list}[{index}]"
            entity_arn, entity_name = read.text(entity, "Arn", where), read.text(entity, name_key, where)
            if entity_arn is None or entity_name is None:
                continue
            for number, inline in enumerate(read.items(entity, inline_list, f"{where} ({entity_arn})")):
                inline_where = f"{where}.{inline_list}[{number}] ({entity_arn})"
                name = read.text(inline, "PolicyName", inline_where)
                document = _document(inline.get("PolicyDocument"), inline_where, problems)
                if name is None or document is None:
                    continue
                relative = f"inline/{kind}/{fit_name(safe_name(entity_name))}/{fit_name(safe_name(name) + '.json')}"
                entry = {"kind": "inline", "arn": entity_arn, "name": name, "version_id": None,
                         "default_version": True, "attached_to": {**_empty_attachments(), kind: [entity_arn]}}
                files.append((relative, document, entry))
    files.sort(key=lambda item: item[0])
    return _unique(files, problems)


def _unique(files: list, problems: list[str]) -> list:
    """One file per path: two answers that map to the same name (after safe_name) are a problem, not an overwrite."""
    seen: dict[str, str] = {}
    kept = []
    for relative, document, entry in files:
        if relative in seen:
            problems.append(f"{entry['arn']} ({entry['name']}): its file {relative} is {seen[relative]}'s "
                            "already: skipped")
            continue
        seen[relative] = entry["arn"]
        kept.append((relative, document, entry))
    return kept


def _empty_attachments() -> dict:
    return {"roles": [], "users": [], "groups": [], "permissions_boundary_of": []}


def _attachments(details: dict, read: _Reader) -> dict[str, dict]:
    """Managed policy ARN -> the entities it is attached to, and those it is the boundary of."""
    attached: dict[str, dict] = {}
    for kind, (detail_list, _, _) in KINDS.items():
        entities = details.get(detail_list, []) if isinstance(details.get(detail_list), list) else []
        for index, entity in enumerate(entities):
            if not isinstance(entity, dict) or not isinstance(entity.get("Arn"), str):
                continue  # reported where the entity itself is read
            where = f"{detail_list}[{index}] ({entity['Arn']})"
            for policy in read.items(entity, "AttachedManagedPolicies", where):
                arn = read.text(policy, "PolicyArn", f"{where}.AttachedManagedPolicies")
                if arn:
                    attached.setdefault(arn, _empty_attachments())[kind].append(entity["Arn"])
            boundary = entity.get("PermissionsBoundary")
            boundary = boundary.get("PermissionsBoundaryArn") if isinstance(boundary, dict) else None
            if isinstance(boundary, str) and boundary:
                attached.setdefault(boundary, _empty_attachments())["permissions_boundary_of"].append(entity["Arn"])
    for entry in attached.values():
        for arns in entry.values():
            arns.sort()
    return attached


def _document(document, where: str, problems: list[str]):
    """A policy document as a dict: botocore decodes them, but a URL-encoded string may still come."""
    if isinstance(document, str):
        from urllib.parse import unquote

        try:
            document = json.loads(unquote(document))
        except (ValueError, RecursionError):
            problems.append(f"{where}: the policy document is not JSON: skipped")
            return None
    if not isinstance(document, dict):
        problems.append(f"{where}: the policy document must be an object, got {type(document).__name__}: skipped")
        return None
    return document
