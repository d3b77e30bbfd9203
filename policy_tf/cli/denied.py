"""explain-denied: an AccessDenied message -> what blocks it and the smallest template change."""
from __future__ import annotations

import sys

from policy_tf.cli.common import path_arg

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


def add_explain_denied_parser(p: argparse.ArgumentParser, only: str | None) -> None:
    p.add_argument("message", metavar="MESSAGE|-",
                   help="the AccessDenied message (quote it), the JSON of 'aws sts decode-authorization-message', "
                        "or - to read it from standard input")
    p.add_argument("--template", metavar="FILE", type=path_arg,
                   help="print this template with the change merged (its comments are not kept)")
    p.add_argument("--fmt", choices=("yaml", "json"), default="yaml",
                   help="yaml (default): the change as a template fragment, the explanation in comments; "
                        "json: the whole explanation as one object, for scripts")
    p.set_defaults(func=cmd_explain_denied)


def cmd_explain_denied(args: argparse.Namespace) -> int:
    from policy_tf.cli.common import one_stdin
    from policy_tf.core import safeload
    from policy_tf.sources.denied.explain import explain, merge
    from policy_tf.sources.denied.message import parse
    from policy_tf.writing.emit import clean_comment, emit_yaml

    one_stdin([args.message, args.template])
    text = safeload.read_file("-", "AccessDenied message") if args.message == "-" else args.message
    denial = parse(text)
    result = explain(denial)
    header = [
        f"explain-denied: {denial.action}" + (f" on {denial.resource}" if denial.resource else "")
        + f" for {denial.principal}",
        f"message form: {denial.form}" + (f"; operation {denial.operation}" if denial.operation else ""),
        f"blocked by: {result.blocked_by}",
        f"where to look: {result.where}",
        *result.notes,
    ]
    if denial.conditions:
        header.append("request context: " + "; ".join(f"{k}={','.join(map(str, v))}" for k,
                                                      v in sorted(denial.conditions.items())))
    if args.fmt == "json":
        import json

        sys.stdout.write(json.dumps(_as_data(result), indent=2, ensure_ascii=True) + "\n")
        return 0
    if not result.change:
        sys.stdout.write("".join(f"# {clean_comment(line)}\n" for line in header))
        return 0
    if args.template:
        data = _template(args.template)
        merged, changed = merge(data, result.change)
        header.append(f"{args.template} with the change merged" if changed else
                      f"{args.template} names this already: the policy in AWS may be older than the template "
                      "(write and apply it), or another policy type blocks")
        sys.stdout.write(emit_yaml(merged, header=header))
        return 0
    header.append("add to the principal's template:")
    sys.stdout.write(emit_yaml(result.change, header=header))
    return 0


def _as_data(result) -> dict:
    d = result.denial
    return {
        "principal": d.principal, "action": d.action, "resource": d.resource, "operation": d.operation,
        "form": d.form, "policy_kind": d.kind or None, "explicit_deny": d.explicit, "policy_arn": d.policy_arn or None,
        "matched_statements": d.statements, "request_context": d.conditions,
        "blocked_by": result.blocked_by, "fixable_by_identity_policy": result.fixable, "where_to_look": result.where,
        "template_change": result.change or None, "notes": result.notes,
    }


def _template(path: str) -> dict:
    """A template file, read safely and validated, as data (one crud or actions document)."""
    import os
    import stat

    from policy_tf.core import safeload
    from policy_tf.core.errors import InputError
    from policy_tf.writing.template import parse

    try:
        regular = stat.S_ISREG(os.stat(path).st_mode)
    except OSError as exc:
        raise InputError(f"{path}: cannot read template file: {exc.strerror or exc}") from None
    if not regular:  # a FIFO or device would block or never end
        raise InputError(f"{path}: not a regular file")
    data = safeload.loads(safeload.read_file(path, "template file"), path)
    if not isinstance(data, dict) or data.get("mode") not in ("crud", "actions"):
        raise InputError(f"{path}: --template needs one template with mode: crud or mode: actions")
    parse(data, path)  # every problem of the template itself is reported before merging
    return data
