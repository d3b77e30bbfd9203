"""Which resources a call acted on, as ARNs of the resource types its IAM action supports.

First the event's own ``resources`` (and request parameters that are whole ARNs), kept only
when they match one of the action's resource types; failing that, the action's ARN formats
from the database, filled from the event (partition, region, account, request parameters).
An ARN holding IAM wildcard or policy-variable characters is refused: granting it would grant
more than was used.
"""
from __future__ import annotations

import re
from urllib.parse import unquote

from policy_tf.core.errors import InputError

_VARIABLE = re.compile(r"\$\{([^}]+)\}")
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_UNSAFE = re.compile(r"[*?]|\$\{")
_BLANK = re.compile(r"[\s\x00-\x1f\x7f]")
_WHERE = ("Partition", "Region", "Account")
_SURROGATE = re.compile("[\ud800-\udfff]")
TYPES_MEMO = 50_000
WHITESPACE = ("the resource name holds whitespace, which templates refuse "
              "(write ? in its place by hand if that is acceptable)")
_PARTITIONS = (("cn-", "aws-cn"), ("us-gov-", "aws-us-gov"), ("us-isob-", "aws-iso-b"), ("us-iso-", "aws-iso"),
               ("eu-isoe-", "aws-iso-e"), ("eusc-", "aws-eusc"))


def partition_of(event: dict) -> str:
    arn = (event.get("userIdentity") or {}).get("arn") if isinstance(event.get("userIdentity"), dict) else None
    if isinstance(arn, str) and arn.startswith("arn:") and arn.count(":") >= 2:
        return arn.split(":", 2)[1]
    region = event.get("awsRegion")
    region = region if isinstance(region, str) else ""
    return next((p for lead, p in _PARTITIONS if region.startswith(lead)), "aws")


def account_of(event: dict) -> str:
    account = event.get("recipientAccountId")
    if not account and isinstance(event.get("userIdentity"), dict):
        account = event["userIdentity"].get("accountId")
    return account if isinstance(account, str) else ""


_NORMALIZED: dict[str, str] = {}


def where_value(name: str, event: dict, partition: str) -> str:
    """``partition``, ``region`` or ``account`` of the call (what ARN formats call ${Partition}...)."""
    if name == "partition":
        return partition
    if name == "region":
        region = event.get("awsRegion")
        return region if isinstance(region, str) else ""
    return account_of(event)


def _normalized(name: str) -> str:
    """bucketName, BucketName, bucket-name -> bucketname (memoized: the same few keys recur)."""
    found = _NORMALIZED.get(name)
    if found is None:
        found = re.sub(r"[^a-z0-9]", "", name.lower())
        if len(_NORMALIZED) < 10_000:  # bounded: request parameter names come from the logs
            _NORMALIZED[name] = found
    return found


class ResourceFinder:
    def __init__(self, catalog, parameters: dict[str, tuple[str, ...]]):
        self.catalog = catalog
        self.parameters = {_normalized(k): tuple(_normalized(p) for p in v) for k, v in parameters.items()}
        self._types: dict[str, frozenset] = {}

    def types_of(self, arn: str) -> frozenset:
        """(prefix, resource type) keys the ARN matches, memoized."""
        found = self._types.get(arn)
        if found is None:
            from policy_tf.iamdb.arn import parse_arn

            try:
                found = frozenset(self.catalog.match(parse_arn(arn)))
            except InputError:
                found = frozenset()
            if len(self._types) >= TYPES_MEMO:  # bounded: ARNs come from the logs
                self._types.clear()
            self._types[arn] = found
        return found

    def find(self, planned, event: dict, partition: str = "") -> tuple[list[str], str]:
        """(ARNs, "") or ([], why the resource could not be determined).

        ``partition``: the caller's, when known (else read from the event).
        """
        wanted = planned.keys
        partition = partition or partition_of(event)
        if planned.resource:
            candidates = [a for a in [self._fill_placeholders(planned.resource, event, partition)] if a]
            if not candidates:
                return [], f"the request lacks a parameter of {planned.resource}"
        else:
            candidates = self._event_arns(event)
        types_of = self.types_of
        clean = [a for a in candidates if not _BLANK.search(a)]
        kept = [a for a in clean if not types_of(a).isdisjoint(wanted)]
        if not kept and len(clean) < len(candidates):
            # Templates refuse whitespace in ARNs; '?' in its place would also match other names.
            return [], WHITESPACE
        if not kept and not planned.resource:
            built = self._built(planned, event, wanted, partition)
            kept = [a for a in built if not _BLANK.search(a)]
            if not kept and built:  # a name built from a parameter ("queue\r") is refused alike
                return [], WHITESPACE
        if not kept:
            types = ", ".join(planned.resource_types)
            return [], f"no {types} ARN in the event or its request parameters"
        if any(_UNSAFE.search(a) for a in kept):
            return [], "the resource name holds IAM wildcard or policy-variable characters (*, ?, ${)"
        if any(_SURROGATE.search(a) for a in kept):
            return [], "the resource name is not valid Unicode (a lone surrogate escape)"
        return (kept if len(kept) == 1 else sorted(set(kept))), ""

    @staticmethod
    def _event_arns(event: dict) -> list[str]:
        arns = []
        resources = event.get("resources")
        if isinstance(resources, list):
            arns += [r["ARN"] for r in resources if isinstance(r, dict) and isinstance(r.get("ARN"), str)]
        params = event.get("requestParameters")
        if isinstance(params, dict):
            arns += [v for v in params.values() if isinstance(v, str) and v.startswith("arn:")]
        return arns

    def _built(self, planned, event: dict, wanted: frozenset, partition: str) -> list[str]:
        params = event.get("requestParameters")
        named = ({_normalized(k): v for k, v in params.items() if isinstance(v, str) and v}
                 if isinstance(params, dict) else {})
        built = []
        for rtype in planned.resource_types:
            for arn_format in self.catalog.formats(planned.prefix, rtype):
                arn = _VARIABLE.sub(lambda m: self._value(m.group(1), event, named, partition) or "\0", arn_format)
                if "\0" not in arn and self.types_of(arn) & wanted:
                    built.append(arn)
        return built

    def _value(self, variable: str, event: dict, named: dict[str, str], partition: str) -> str:
        if variable in _WHERE:
            return where_value(variable.lower(), event, partition)
        key = _normalized(variable)
        for name in self.parameters.get(key, (key,)):
            value = named.get(name, "")
            if value.startswith("arn:"):
                continue  # a whole ARN was already tried as an ARN
            if value.startswith("https://"):
                value = value.rstrip("/").rsplit("/", 1)[-1]  # SQS queue URLs end in the queue name
            if variable.endswith("WithoutLeadingSlash"):
                value = value.lstrip("/")
            if value:
                return value
        return ""

    @staticmethod
    def _fill_placeholders(template: str, event: dict, partition: str) -> str:
        given = event.get("requestParameters")
        params: dict = given if isinstance(given, dict) else {}
        missing = False

        def value(match) -> str:
            nonlocal missing
            name = match.group(1)
            if name in ("partition", "region", "account"):
                return where_value(name, event, partition)
            found = params.get(name)
            if not isinstance(found, str) or not found:
                missing = True
                return ""
            # x-amz-copy-source: "bucket/key" or "/bucket/key?versionId=...", URL-encoded.
            return unquote(found.split("?versionId=", 1)[0]).lstrip("/")

        arn = _PLACEHOLDER.sub(value, template)
        return "" if missing else arn
