"""Templates in the crud/actions format ``write-policy`` reads, with the evidence in comments:
what was called, how often, first and last seen, and what was not granted.

Every field of a log record is attacker-influenced text. A template is therefore built as data
and written by ``policy_tf.writing.emit``: record text reaches it only as quoted scalars (ARNs,
names) or as sanitised one-line comments (times, counts, reasons), never as YAML syntax.
"""
from __future__ import annotations

from policy_tf.sources.cloudtrail.principal import policy_name
from policy_tf.writing.emit import emit_yaml
from policy_tf.writing.template import LEVEL_KEYS

LEVEL_TO_KEY = {level: key for key, level in LEVEL_KEYS.items()}


def _header(seen, origin: str) -> list[str]:
    counts = [f"{seen.read_only} read-only", f"{seen.denied_calls} denied",
              f"{seen.failed_calls} failed with other errors"]
    return [
        f"Written by policy_tf generate-template from CloudTrail ({origin}).",
        f"Principal: {seen.principal}",
        f"Events: {seen.events}; {', '.join(counts)}.",
        "It grants what the principal was seen doing, on the resources it was seen using: review it,",
        "and widen by hand only on purpose. Denied calls are listed below, not granted.",
    ]


def _footer(seen, actions_mode: bool = False) -> list[str]:
    lines = []
    if seen.unresolved:
        lines.append("Granted on the action's ARN formats: the events did not name the resource:" if actions_mode else
                     "Not granted: the resource could not be determined (add its ARNs by hand if needed):")
        lines += [f"  {a} ({level}): {s}: {why}" for (a, level, why), s in sorted(seen.unresolved.items())]
    if seen.denied:
        lines.append("Denied by authorization (what the principal still lacks; not granted):")
        lines += [f"  {a}{' on ' + arn if arn else ''}: {s}" for (a, arn), s in sorted(seen.denied.items())]
    if seen.unmapped:
        lines.append("Not mapped to IAM actions:")
        lines += [f"  {src} {name}: {s}: {why}" for (src, name, why), s in sorted(seen.unmapped.items())]
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
    comments: dict[tuple, list[str]] = {}
    for key in LEVEL_KEYS:
        arns = levels.get(key)
        if not arns:
            continue
        data[key] = sorted(arns)
        for i, arn in enumerate(data[key]):
            calls = arns[arn]
            if len(calls) > 1:
                calls.sort(key=lambda x: x[0])
            comments[(key, i)] = [f"{action}: {s}" for action, s in calls]
    if single:
        data["wildcard-only"] = {"single-actions": sorted(single)}
        comments[("wildcard-only", "single-actions")] = ['actions that support only Resource "*"']
        for i, action in enumerate(data["wildcard-only"]["single-actions"]):
            comments[("wildcard-only", "single-actions", i)] = [str(s) for s in single[action]]
    return _finish(data, comments, _header(seen, origin), _footer(seen))


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
    # One account / region / partition seen: scope the ARN formats to it; several: leave "*".
    for key, values in (("partition", seen.partitions), ("account", seen.accounts), ("region", seen.regions)):
        if len(values) == 1 and next(iter(values)):
            data[key] = next(iter(values))
    data["actions"] = sorted(actions)
    comments: dict[tuple, list[str]] = {}
    for i, action in enumerate(data["actions"]):
        calls = sum(s.count for _, s in actions[action])
        arns = len({arn for arn, _ in actions[action] if arn and arn != "*"})
        comments[("actions", i)] = [f"{calls} call{'s' if calls != 1 else ''}"
                                    + (f" on {arns} resource(s)" if arns else "")]
    return _finish(data, comments, _header(seen, origin), _footer(seen, actions_mode=True))


def _finish(data: dict, comments: dict, header: list[str], footer: list[str]) -> tuple[str, dict]:
    return emit_yaml(data, comments=comments, header=header, footer=footer), data
