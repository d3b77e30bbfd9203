"""Readers: paths -> policies to analyze, the kind of each input told by its content.

A path may be a policy JSON file, a folder (of policy files, ``.tf`` files, or both), an
account-authorization-details JSON, a Terraform plan JSON (``terraform show -json``), or a
``.tf`` file. Every good input is read. A malformed one (text that is not JSON or not HCL, a
plan of the wrong shape) becomes a MALFORMED_POLICY finding at its line; one the input gate
refuses (no such path, not a regular file, not UTF-8, too big, nested too deeply) becomes an
error message naming it, and the caller exits 2 after reporting all of them.
"""
from __future__ import annotations

import os

from policy_tf.analysis.model import Finding, NotAnalyzed, PolicyInput
from policy_tf.core.errors import PolicyTfError

TRUST_ACTIONS = ("sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity", "sts:tagsession",
                 "sts:setsourceidentity", "sts:setcontext")
_SKIPPED_DIRS = (".terraform", ".git", "node_modules", "__pycache__")


class Inputs:
    """What the readers found: ``policies`` (PolicyInput); ``not_analyzed`` (NotAnalyzed);
    ``principals``, principal -> [PolicyInput], for cross-policy checks; ``findings`` found
    while reading (a policy string that is not JSON); ``errors``, bad inputs, one message
    each; ``sources``, (path, kind) of each input read; ``prior``, a plan's prior state,
    for --new-only; ``iam_names``, a Terraform role's, user's, group's or managed policy's
    address -> its IAM name, where the ``name`` argument is known (ARNs in trust and Resource
    are matched by IAM name, not by resource label); ``managed_policies``, principal -> [(ARN,
    attachment address, file, line)] of the AWS-managed policies a plan or ``.tf`` file attaches
    by ARN (their documents are AWS's: the graph of principals knows AdministratorAccess)."""

    __slots__ = ("policies", "not_analyzed", "principals", "findings", "errors", "sources", "prior", "iam_names",
                 "managed_policies")

    def __init__(self):
        self.policies: list = []
        self.not_analyzed: list = []
        self.principals: dict = {}
        self.findings: list = []
        self.errors: list = []
        self.sources: list = []
        self.prior: Inputs | None = None
        self.iam_names: dict = {}
        self.managed_policies: dict = {}

    def extend(self, other: "Inputs") -> None:
        self.policies += other.policies
        self.not_analyzed += other.not_analyzed
        for principal, policies in other.principals.items():
            self.principals.setdefault(principal, []).extend(policies)
        self.findings += other.findings
        self.errors += other.errors
        self.sources += other.sources
        self.iam_names.update(other.iam_names)
        for principal, attached in other.managed_policies.items():
            self.managed_policies.setdefault(principal, []).extend(attached)
        if other.prior is not None:
            if self.prior is None:
                self.prior = Inputs()
            self.prior.extend(other.prior)


def guess_kind(document: object) -> str:
    """identity, resource or trust, from the statements' Principal and actions."""
    statements = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        return "identity"
    with_principal = [s for s in statements if isinstance(s, dict) and ("Principal" in s or "NotPrincipal" in s)]
    if not with_principal:
        return "identity"
    actions = []
    for s in with_principal:
        value = s.get("Action", [])
        actions += value if isinstance(value, list) else [value]
    if actions and all(isinstance(a, str) and a.lower() in TRUST_ACTIONS for a in actions):
        return "trust"
    return "resource"


def unparsable(file: str, policy: str, message: str, line: int = 1) -> Finding:
    """A policy string that is not valid JSON: nothing else can be checked in it."""
    return Finding("MALFORMED_JSON", "ERROR", "validity", message, file, policy, line=line)


def malformed(file: str, policy: str, message: str) -> Finding:
    """An input file that is not valid JSON, or not a JSON object: a finding at the line the
    parser names (the audit goes on with the other inputs)."""
    import re

    found = re.search(r"\bline (\d+)", message)
    message = message[len(file) + 2:] if message.startswith(f"{file}: ") else message
    return Finding("MALFORMED_POLICY", "ERROR", "validity", message, file, policy,
                   line=int(found.group(1)) if found else 1)


def detect(document: object) -> str:
    """The kind of a parsed JSON input: terraform-plan, terraform-state, account-details or policy."""
    if isinstance(document, dict):
        if "format_version" in document and ("planned_values" in document or "resource_changes" in document):
            return "terraform-plan"
        if "format_version" in document and "values" in document:
            return "terraform-state"
        if {"UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"} & set(document):
            return "account-details"
        if _is_download_manifest(document):
            return "policy_tf-manifest"
        return "policy"
    return "unknown"


def _is_download_manifest(document: dict) -> bool:
    """download-policies' manifest.json: {"account": ..., "policies": [{"file", "arn", ...}]}."""
    policies = document.get("policies")
    return (set(document) == {"account", "policies"} and isinstance(policies, list)
            and all(isinstance(e, dict) and "file" in e and "arn" in e for e in policies))


def read(paths: list, config_dir: str | None = None) -> Inputs:
    """Everything the paths hold, in the order given (a folder's files sorted); ``config_dir``:
    the Terraform configuration a plan JSON was made from (for its findings' ``.tf`` lines)."""
    out = Inputs()
    for path in paths:
        if os.path.isdir(path):
            out.extend(_read_folder(path))
        elif os.path.exists(path) or path == "-":  # '-': standard input, through the input gate
            out.extend(_read_file(path, config_dir=config_dir))
        else:
            out.errors.append(f"{path}: no such file or folder")
    return out


def _read_file(path: str, relative: str | None = None, config_dir: str | None = None) -> Inputs:
    """One input file; ``relative``: its path from the folder read, which names its policy."""
    if path.endswith(".tf"):
        from policy_tf.analysis.inputs.terraform_static import read_tf

        return read_tf(os.path.dirname(path), [path])
    from policy_tf.analysis.inputs import json_text
    from policy_tf.core.errors import InputError
    from policy_tf.core.safeload import TooDeep

    out = Inputs()
    name = os.path.splitext(relative or os.path.basename(path))[0]
    try:
        text = json_text.read(path)
    except InputError as exc:
        out.errors.append(str(exc))
        return out
    try:
        document = json_text.loads(text, path, json_text.DOCUMENT_DEPTH)
    except TooDeep as exc:  # beyond the input gate's nesting budget: refused as hostile (exit 2)
        out.errors.append(str(exc))
        return out
    except InputError as exc:  # readable text that is no JSON, or breaks a JSON rule: a finding; the audit goes on
        out.sources.append((path, "malformed"))
        out.findings.append(malformed(path, name, str(exc)))
        return out
    kind = detect(document)
    if kind not in ("terraform-plan", "terraform-state"):  # a plan is bounded resource by resource
        from policy_tf.core.safeload import check_depth

        try:
            check_depth(document, path, text=text)
        except InputError as exc:
            out.errors.append(str(exc))
            return out
    if kind in ("terraform-plan", "terraform-state") and isinstance(document, dict):  # detect(): objects only
        from policy_tf.analysis.inputs.terraform_plan import read_plan

        found = read_plan(path, document, config_dir)
        if (path, "malformed") not in found.sources:  # a plan frame of the wrong shape is a finding
            out.sources.append((path, kind))
        out.extend(found)
        return out
    out.sources.append((path, kind))
    if kind == "account-details" and isinstance(document, dict):  # an object, as detect() found
        from policy_tf.analysis.inputs.account_details import read_account_details

        out.extend(read_account_details(path, document))
    elif kind == "policy_tf-manifest":
        pass  # policy_tf's own list of the files beside it: not a policy
    elif kind == "policy":
        out.policies.append(PolicyInput(path, name, guess_kind(document), document,
                                        statement_lines=json_text.statement_lines(text)))
    else:
        out.findings.append(malformed(path, name, f"not a policy, account-authorization-details or Terraform plan JSON "
                                                  f"(the top level is a {type(document).__name__})"))
    return out


def _covered_by_account_details(json_files: list) -> set:
    """The policy files a download-policies folder holds twice: when its
    account-authorization-details.json is there too, the manifest's files are the same
    policies (the details also say whose they are), so they are audited once, from it."""
    import json

    names = {os.path.normpath(p) for p in json_files}
    covered: set = set()
    for path in json_files:
        if os.path.basename(path) != "manifest.json":
            continue
        folder = os.path.dirname(path)
        if os.path.normpath(os.path.join(folder, "account-authorization-details.json")) not in names:
            continue
        try:
            from policy_tf.analysis.inputs import json_text

            document = json.loads(json_text.read(path))
        except (ValueError, PolicyTfError):
            continue  # read as an input below, which reports what is wrong with it
        if isinstance(document, dict) and _is_download_manifest(document):
            covered |= {os.path.normpath(os.path.join(folder, e["file"])) for e in document["policies"]
                        if isinstance(e["file"], str)}
    return covered


def _read_folder(folder: str) -> Inputs:
    out = Inputs()
    tf_folders: dict = {}
    json_files: list = []
    relative: dict = {}  # JSON file -> its path from the folder
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED_DIRS)
        here = os.path.relpath(root, folder)  # once per subfolder: relpath is not cheap
        for name in sorted(files):
            path = os.path.join(root, name)
            if name.endswith(".tf"):
                tf_folders.setdefault(root, []).append(path)
            elif name.endswith(".tf.json"):
                out.not_analyzed.append(NotAnalyzed(path, os.path.basename(path), "Terraform's JSON syntax is not read "
                                                    "statically; audit the plan JSON to analyze it"))
            elif name.endswith(".json"):
                json_files.append(path)
                relative[path] = name if here == os.curdir else os.path.join(here, name)
    used_files: set = set()
    if tf_folders:
        from policy_tf.analysis.inputs.terraform_static import read_tf

        for root, files in tf_folders.items():
            found = read_tf(root, files)
            used_files |= {os.path.normpath(p.file) for p in found.policies}
            out.extend(found)
    used_files |= _covered_by_account_details(json_files)
    for path in json_files:
        if os.path.normpath(path) not in used_files:  # file("x.json") of a .tf: read there already
            out.extend(_read_file(path, relative[path]))
    if not tf_folders and not json_files:
        out.errors.append(f"{folder}: no policy (.json) or Terraform (.tf) files in this folder")
    return out
