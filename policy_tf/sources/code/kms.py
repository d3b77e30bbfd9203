"""KMS actions for calls whose data may be encrypted with a customer managed key.

They are granted only on keys the code names (the call's own key parameter, else any key the
program names), or, with ``--assume-kms``, on the narrowest wildcard of a key (``key/*`` in the
region and account). Otherwise they are listed as not granted, with how to add them: data
encrypted with an AWS owned or AWS managed key needs no KMS permission of the caller.
"""
from __future__ import annotations

from policy_tf.sources.code.resolve import Grant, Problem, _present
from policy_tf.sources.code.values import Text, literal

KEY_PARAMETERS = ("SSEKMSKeyId", "KmsKeyId", "KMSKeyId", "KmsMasterKeyId", "KeyId", "kmsKeyId", "KMSMasterKeyID")


def named_keys(calls, where_of) -> list[str]:
    """Key ARNs the program names in any call's key parameter (aliases cannot be granted on)."""
    keys = []
    for call in calls:
        for name in KEY_PARAMETERS:
            if name not in call.params:
                continue
            arn = key_arn(call.params[name], where_of(call))
            if arn and arn not in keys:
                keys.append(arn)
    return keys


def key_arn(value, where: dict) -> str:
    text = literal(value) if isinstance(value, Text) else None
    if not text or "*" in text or "?" in text:
        return ""
    if text.startswith("arn:") and ":key/" in text:
        return text
    if text.startswith(("alias/", "arn:")):
        return ""  # an alias names no key ARN that IAM authorizes on
    return f"arn:{where['Partition']}:kms:{where['Region']}:{where['Account']}:key/{text}"


def kms_grants(calls, entries, resolver, assume: bool):
    """(grants, notes): the KMS actions of the calls that may touch encrypted data."""
    grants, notes = [], []
    program_keys = named_keys(calls, resolver._where)
    missing: dict[tuple, tuple[list, list]] = {}
    for call in calls:
        for entry in entries:
            if entry.service != call.service or call.operation not in entry.operations:
                continue
            if entry.when and not _present(call.params.get(entry.when)):
                continue
            where = resolver._where(call)
            own = key_arn(call.params.get(entry.key), where) if entry.key else ""
            keys = [own] if own else program_keys
            exact = bool(keys)
            why = ""
            if not keys and assume:
                keys = [f"arn:{where['Partition']}:kms:{where['Region']}:{where['Account']}:key/*"]
                why = "--assume-kms: the code names no key"
            if not keys:
                for action in entry.actions:
                    ops, places = missing.setdefault((action, call.service), ([], []))
                    if call.operation not in ops:
                        ops.append(call.operation)
                    if f"{call.file}:{call.line}" not in places:
                        places.append(f"{call.file}:{call.line}")
                continue
            for action in entry.actions:
                level = resolver.catalog.level(*action.split(":", 1))
                for arn in keys:
                    grants.append(Grant(action, level or "Write", arn, exact, True, call, why,
                                        f"encrypted data ({entry.source})"))
            if why:
                notes.append(Problem(call.file, call.line,
                                     f"{', '.join(entry.actions)} on any key of the account: {why}"))
    for (action, service), (ops, places) in sorted(missing.items()):
        shown = ", ".join(places[:3]) + (f" and {len(places) - 3} more" if len(places) > 3 else "")
        notes.append(Problem("", 0, f"{action} for {service} {', '.join(sorted(ops))} ({shown}): only if the data is "
                                    "encrypted with a customer managed key; name the key in the code or "
                                    "pass --assume-kms"))
    return grants, notes
