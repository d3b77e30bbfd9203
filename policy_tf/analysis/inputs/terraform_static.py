"""A folder of ``.tf`` files -> Inputs: the policies written literally in them, with their lines."""
from __future__ import annotations

import os

from policy_tf.analysis.inputs import Inputs, unparsable
from policy_tf.analysis.model import Finding, NotAnalyzed, PolicyInput


def to_input(policy, name: str | None = None, file: str | None = None) -> PolicyInput:
    """The PolicyInput of one StaticPolicy (read, not NotAnalyzed)."""
    return PolicyInput(file or policy.source_file or policy.file, name or policy.name, policy.kind, policy.document,
                       principal=policy.principal, line=policy.line, statement_lines=policy.statement_lines)


def read_tf(folder: str, files: list) -> Inputs:
    from policy_tf.analysis.inputs.hcl import read_module

    module, errors = read_module(folder, files)
    out = Inputs()
    out.errors += errors
    out.iam_names.update((a, n) for a, n in module.iam_names.items() if isinstance(n, str) and n)
    bad = {exc.path for exc in module.malformed}
    out.sources += [(f, "malformed" if f in bad else "terraform-files") for f in files]
    for exc in module.malformed:  # not HCL: a finding at the line the parser names; the other files are read
        out.findings.append(Finding("MALFORMED_POLICY", "ERROR", "validity", f"not valid HCL: {exc.detail}"
                                    + (f" (column {exc.column})" if exc.column else ""),
                                    exc.path, os.path.basename(exc.path), line=exc.line))
    referenced = {ref for p in module.policies for ref in p.references}
    documents = [d for name, d in module.documents.items() if name not in referenced]
    by_address: dict = {}
    for policy in [*module.policies, *documents]:
        if policy.reason:
            out.not_analyzed.append(NotAnalyzed(policy.file, policy.name, policy.reason, policy.line))
            continue
        if policy.parse_error:
            out.findings.append(unparsable(policy.source_file or policy.file, policy.name, policy.parse_error,
                                           policy.line))
            continue
        item = to_input(policy)
        out.policies.append(item)
        by_address.setdefault(policy.address, []).append(item)
        if policy.principal:
            out.principals.setdefault(policy.principal, []).append(item)
    for principal, arn, attachment, file, line in module.managed_attachments:
        out.managed_policies.setdefault(principal, []).append((arn, attachment, file, line))
    for principal, target in module.attachments:
        for item in by_address.get(target, []):
            if item not in out.principals.get(principal, []):
                out.principals.setdefault(principal, []).append(item)
    return out
