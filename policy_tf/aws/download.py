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

from policy_tf.progress import bar as progress_bar
from policy_tf.aws.files import inside, safe_name, to_json, write_if_changed

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

    def line(self) -> str:
        removed = f", {len(self.removed)} removed" if self.removed else ""
        return (f"{self.account}: {len(self.written) + len(self.unchanged)} files in {self.folder} "
                f"({len(self.written)} written, {len(self.unchanged)} unchanged{removed})")


def authorization_details(iam, aws_managed: bool) -> dict:
    """The whole ``get-account-authorization-details`` answer, every page merged as the AWS CLI does."""
    filters = ["User", "Role", "Group", "LocalManagedPolicy"] + (["AWSManagedPolicy"] if aws_managed else [])
    paginator = iam.get_paginator("get_account_authorization_details")
    return paginator.paginate(Filter=filters).build_full_result()


def download_policies(boto_session, output_dir: str | Path, *, aws_managed: bool = False,
                      include_unattached: bool = False, all_versions: bool = False,
                      save_authorization_details: bool = False, progress: bool = False) -> DownloadSummary:
    """Save the policies of the account ``boto_session`` is in under ``output_dir/<account>/``."""
    from policy_tf.aws.session import caller_identity, client

    account = caller_identity(boto_session)["Account"]
    details = authorization_details(client("iam", boto_session=boto_session), aws_managed)
    files = policy_files(details, include_unattached, all_versions)
    root = Path(output_dir) / safe_name(account)
    summary = DownloadSummary(account, root)
    previous = _previous_files(root)
    manifest = []
    bar = progress_bar(len(files) + 2, f"{account} policies", "file", enabled=progress, leave=False)
    try:
        for relative, document, entry in files:
            text = to_json(document)
            entry["file"] = relative
            entry["sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
            manifest.append(entry)
            _save(root, relative, text, summary)
            bar.update()
        if save_authorization_details:
            # Exactly what `aws iam get-account-authorization-details` prints: `audit` reads it.
            _save(root, AUTHORIZATION_DETAILS, to_json(details, indent=4), summary)
        bar.update()
        _save(root, MANIFEST, to_json({"account": account, "policies": manifest}), summary)
        bar.update()
    finally:
        bar.close()
    # Policies gone from the account since the last run: only files that run's manifest listed.
    for relative in sorted(previous - {entry["file"] for entry in manifest}):
        path = inside(root, *relative.split("/"))
        if path.is_file():
            path.unlink()
            summary.removed.append(relative)
            for parent in path.parents:  # folders left empty (an inline policy's entity)
                if parent == root or any(parent.iterdir()):
                    break
                parent.rmdir()
    return summary


def _previous_files(root: Path) -> set[str]:
    """The policy files the manifest of an earlier run lists (none if it is missing or unreadable)."""
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        return {entry["file"] for entry in manifest["policies"] if isinstance(entry.get("file"), str)}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return set()


def _save(root: Path, relative: str, text: str, summary: DownloadSummary) -> None:
    written = write_if_changed(inside(root, *relative.split("/")), text)
    (summary.written if written else summary.unchanged).append(relative)


def policy_files(details: dict, include_unattached: bool, all_versions: bool) -> list[tuple[str, dict, dict]]:
    """``(relative path, policy document, manifest entry)`` for every policy to save, sorted by path."""
    attached = _attachments(details)
    files = []
    for policy in details.get("Policies", []):
        arn = policy["Arn"]
        in_use = policy.get("AttachmentCount", 0) or policy.get("PermissionsBoundaryUsageCount", 0)
        if not in_use and not include_unattached:
            continue
        folder = "aws-managed" if arn.split(":")[4] == "aws" else "customer-managed"
        name = safe_name(policy["PolicyName"])
        for version in policy.get("PolicyVersionList", []):
            default = version.get("IsDefaultVersion", False)
            if not default and not all_versions:
                continue
            relative = f"{folder}/{name}.json" if default else f"{folder}/{name}.versions/{safe_name(version['VersionId'])}.json"
            entry = {"kind": folder, "arn": arn, "name": policy["PolicyName"], "version_id": version["VersionId"],
                     "default_version": default, "attached_to": attached.get(arn, _empty_attachments())}
            files.append((relative, _document(version["Document"]), entry))
    for kind, (detail_list, inline_list, name_key) in KINDS.items():
        for entity in details.get(detail_list, []):
            for inline in entity.get(inline_list, []):
                relative = f"inline/{kind}/{safe_name(entity[name_key])}/{safe_name(inline['PolicyName'])}.json"
                entry = {"kind": "inline", "arn": entity["Arn"], "name": inline["PolicyName"], "version_id": None,
                         "default_version": True, "attached_to": {**_empty_attachments(), kind: [entity["Arn"]]}}
                files.append((relative, _document(inline["PolicyDocument"]), entry))
    files.sort(key=lambda item: item[0])
    return files


def _empty_attachments() -> dict:
    return {"roles": [], "users": [], "groups": [], "permissions_boundary_of": []}


def _attachments(details: dict) -> dict[str, dict]:
    """Managed policy ARN -> the entities it is attached to, and those it is the boundary of."""
    attached: dict[str, dict] = {}
    for kind, (detail_list, _, _) in KINDS.items():
        for entity in details.get(detail_list, []):
            for policy in entity.get("AttachedManagedPolicies", []):
                attached.setdefault(policy["PolicyArn"], _empty_attachments())[kind].append(entity["Arn"])
            boundary = entity.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn")
            if boundary:
                attached.setdefault(boundary, _empty_attachments())["permissions_boundary_of"].append(entity["Arn"])
    for entry in attached.values():
        for arns in entry.values():
            arns.sort()
    return attached


def _document(document):
    """A policy document as a dict: botocore decodes them, but a URL-encoded string may still come."""
    if isinstance(document, str):
        from urllib.parse import unquote

        return json.loads(unquote(document))
    return document
