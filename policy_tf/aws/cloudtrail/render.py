"""Templates as YAML text, in the crud/actions format ``write-policy`` reads, with the evidence
in comments: what was called, how often, first and last seen, and what was not granted."""
from __future__ import annotations

import re

from policy_tf.aws.cloudtrail.principal import policy_name
from policy_tf.writing.template import LEVEL_KEYS

LEVEL_TO_KEY = {level: key for key, level in LEVEL_KEYS.items()}
_UNPRINTABLE = re.compile(r"[^\x20-\x7e]")
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*")


def _comment(text: str) -> str:
    # Event data is untrusted: a newline in an event name must not end the comment.
    return _UNPRINTABLE.sub("?", text)


def _scalar(value: str) -> str:
    if _PRINTABLE_ASCII.fullmatch(value):
        import json

        # A JSON string of printable ASCII is a YAML double-quoted scalar, and 20x faster to make.
        return json.dumps(value)
    import yaml

    return yaml.safe_dump(value, default_style='"', allow_unicode=False, width=2 ** 30).strip()


def _header(seen, origin: str) -> list[str]:
    counts = [f"{seen.read_only} read-only", f"{seen.denied_calls} denied", f"{seen.failed_calls} failed with other errors"]
    return [
        f"# Written by policy_tf generate-template from CloudTrail ({_comment(origin)}).",
        f"# Principal: {_comment(seen.principal)}",
        f"# Events: {seen.events}; {', '.join(counts)}.",
        "# It grants what the principal was seen doing, on the resources it was seen using: review it,",
        "# and widen by hand only on purpose. Denied calls are listed below, not granted.",
    ]


def _footer(seen, actions_mode: bool = False) -> list[str]:
    lines = []
    if seen.unresolved:
        lines.append("# Granted on the action's ARN formats: the events did not name the resource:" if actions_mode else
                     "# Not granted: the resource could not be determined (add its ARNs by hand if needed):")
        lines += [f"#   {_comment(a)} ({level}): {s}: {_comment(why)}" for (a, level, why), s in sorted(seen.unresolved.items())]
    if seen.denied:
        lines.append("# Denied by authorization (what the principal still lacks; not granted):")
        lines += [f"#   {_comment(a)}{' on ' + _comment(arn) if arn else ''}: {s}" for (a, arn), s in sorted(seen.denied.items())]
    if seen.unmapped:
        lines.append("# Not mapped to IAM actions:")
        lines += [f"#   {_comment(src)} {_comment(name)}: {s}: {_comment(why)}" for (src, name, why), s in sorted(seen.unmapped.items())]
    return lines


def crud_template(seen, origin: str) -> tuple[str, dict]:
    """(YAML text, the same template as data) for one principal, or ("", {}) when nothing is granted."""
    levels: dict[str, dict[str, list]] = {}
    single: dict[str, list] = {}
    for (action, level, arn), s in seen.granted.items():
        if arn == "*":
            single.setdefault(action, []).append(s)
        else:
            levels.setdefault(LEVEL_TO_KEY[level], {}).setdefault(arn, []).append((action, s))
    if not levels and not single:
        return "", {}
    data: dict = {"mode": "crud", "name": policy_name(seen.principal)}
    lines = _header(seen, origin) + ["mode: crud", f"name: {_scalar(data['name'])}"]
    for key in LEVEL_KEYS:
        arns = levels.get(key)
        if not arns:
            continue
        data[key] = sorted(arns)
        lines.append(f"{key}:")
        for arn in data[key]:
            lines += [f"  # {_comment(action)}: {s}" for action, s in sorted(arns[arn], key=lambda x: x[0])]
            lines.append(f"  - {_scalar(arn)}")
    if single:
        data["wildcard-only"] = {"single-actions": sorted(single)}
        lines += ["wildcard-only:", "  # actions that support only Resource \"*\"", "  single-actions:"]
        for action in data["wildcard-only"]["single-actions"]:
            lines += [f"    # {s}" for s in single[action]]
            lines.append(f"    - {_scalar(action)}")
    return _finish(lines + _footer(seen), data)


def actions_template(seen, origin: str) -> tuple[str, dict]:
    """(YAML text, data) of ``mode: actions``: the exact actions, scoped where the events agree."""
    actions: dict[str, list] = {}
    for (action, _level, arn), s in seen.granted.items():
        actions.setdefault(action, []).append((arn, s))
    for (action, _level, _why), s in seen.unresolved.items():
        actions.setdefault(action, []).append(("", s))
    if not actions:
        return "", {}
    data: dict = {"mode": "actions", "name": policy_name(seen.principal)}
    lines = _header(seen, origin) + ["mode: actions", f"name: {_scalar(data['name'])}"]
    # One account / region / partition seen: scope the ARN formats to it; several: leave "*".
    for key, values in (("partition", seen.partitions), ("account", seen.accounts), ("region", seen.regions)):
        if len(values) == 1 and next(iter(values)):
            data[key] = next(iter(values))
            lines.append(f"{key}: {_scalar(data[key])}")
    data["actions"] = sorted(actions)
    lines.append("actions:")
    for action in data["actions"]:
        calls = sum(s.count for _, s in actions[action])
        arns = len({arn for arn, _ in actions[action] if arn and arn != "*"})
        lines.append(f"  # {calls} call{'s' if calls != 1 else ''}" + (f" on {arns} resource(s)" if arns else ""))
        lines.append(f"  - {_scalar(action)}")
    return _finish(lines + _footer(seen, actions_mode=True), data)


def _finish(lines: list[str], data: dict) -> tuple[str, dict]:
    # Scalars are quoted by _scalar and event text only reaches comments (sanitized), so the
    # text reads back as exactly ``data``; tests/test_cloudtrail_generate.py proves it on hostile input.
    return "\n".join(lines) + "\n", data
