"""Parse ARNs and resolve them to the resource types whose ARN format they match.

An ARN format is AWS's template for a resource type's ARN, such as
``arn:${Partition}:s3:::${BucketName}/${ObjectName}``.  ``ArnMatcher.match``
applies this rule:

* The partition, region and account fields of a format match the user's field as
  follows: a variable (``${Region}``) matches any non-empty value, including a
  user wildcard (``parse_arn`` has already checked that the partition is a known
  one); an empty field matches only an empty field (S3 buckets, IAM roles); a
  literal ``*`` matches anything, even an empty field; any other literal must be
  equal.  The service field must be equal (case-sensitive).
* In the resource part, literal text must match exactly and case-sensitively.
  A variable matches one or more characters other than ``:`` (so names such as
  ``/aws/lambda/x`` or ``role/path/name`` fit), and a variable that ends the
  format matches anything (S3 keys and DynamoDB stream labels hold ``:``).
  A literal ``*`` in a format acts as a variable.
* ``*`` and ``?`` in the user's region, account or resource stand in for (part
  of) a variable's value, never for literal text or for a separator:
  ``arn:aws:s3:::*`` is a bucket, not an object, and
  ``arn:aws:kms:us-east-1:123456789012:*`` matches no resource type.
* Because variables may swallow ``/`` (and the last one ``:``), an ARN often
  matches several formats, e.g. ``arn:aws:s3:::b/k`` also fits the bucket
  format with ``b/k`` as the name.  Of the matching formats, only those whose
  literal resource text holds the most separators (``/`` and ``:``) are kept:
  their variables swallowed the fewest separators.  Among those, only the ones
  with the most literal characters are kept, so that literal text beats a
  variable in the same place (``${Catalog}/ChangeSet/${Id}`` beats
  ``${Catalog}/${EntityType}/${Id}``, ``${Major}.${Minor}`` beats ``${Major}``).
  Remaining ties are kept; they are formats of identical ``shape`` (a Lambda
  alias and version, say), which the caller reports.
* Only when no format matches that way is a user ``*`` allowed to cover literal
  text too, as IAM itself reads it: ``organizations::123456789012:policy/*`` then
  covers the policy format ``policy/o-${OrganizationId}/...``, and
  ``kms:...:*`` covers both keys and aliases.  Every format the pattern covers is
  returned, so the caller can say which types a broad wildcard reaches.
* Formats are indexed by their service field, which is not always their
  service's prefix (EBS snapshots are ``arn:${Partition}:ec2:...``).  The few
  formats whose service field is a variable (AWS Backup's recovery points) are
  tried only when no format of the ARN's own service matches or is covered.
"""
from __future__ import annotations

import re
from collections import namedtuple
from functools import lru_cache

from policy_tf.core.errors import InputError

TYPE_CHECKING = False  # typing and dataclasses are left out: this module is on the start-up path
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

PARTITIONS = frozenset(
    {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}
)

# "{Name}" without "$" occurs in at least one AWS page (OpsWorks CM backups), and a
# literal "*" in a format stands for any value, so both count as variables.
_VARIABLE = re.compile(r"\$?\{[^{}]*\}|\*")
# Whitespace, a control character or an invisible format character anywhere in an ARN is a
# mistake (a line break or a zero-width space from a copy-paste, a tab), never part of a
# resource name that IAM would match.
_BAD_CHARACTER = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_REGION = re.compile(r"[a-z0-9*?-]*")
# An account field holds a 12-digit account id, or a wildcard pattern that can stand for one.
_ACCOUNT_PATTERN = re.compile(r"[0-9*?]+")
# Account fields that are literal words in AWS's own ARN formats (AWS-owned resources such as
# managed policies, arn:aws:iam::aws:policy/..., and MediaConnect offerings).
LITERAL_ACCOUNTS = frozenset({"aws", "offering"})
_SEPARATORS = re.compile(r"[/:]")


class Arn(namedtuple("Arn", "partition service region account resource text")):
    """An ARN split into its fields; ``text`` is the ARN as written, stripped."""

    __slots__ = ()


def parse_arn(text: str) -> Arn:
    """Split an ARN into its six fields; raise ``InputError`` if it is malformed."""
    stripped = text.strip()
    if not stripped.startswith("arn:"):
        raise InputError(f"not an ARN (an ARN starts with 'arn:'): {text!r}")
    fields = stripped.split(":", 5)  # the resource part may hold more ':'
    if len(fields) < 6:
        raise InputError(
            f"ARN {stripped!r} has {len(fields)} fields, expected 6: "
            "arn:partition:service:region:account:resource"
        )
    _, partition, service, region, account, resource = fields
    if partition not in PARTITIONS:
        raise InputError(
            f"unknown partition {partition!r} in ARN {stripped!r}; "
            f"known partitions: {', '.join(sorted(PARTITIONS))}"
        )
    bad = _BAD_CHARACTER.search(stripped)
    if bad:
        raise InputError(f"ARN {stripped!r} holds {_describe(bad.group())} at position {bad.start() + 1}; "
                         f"ARNs have no whitespace or control characters (use ? for a space in an S3 key)")
    if not service:
        raise InputError(f"ARN {stripped!r} has an empty service field")
    problem = region_problem(region) or account_problem(account)
    if problem:
        raise InputError(f"ARN {stripped!r}: {problem}")
    if not resource:
        raise InputError(f"ARN {stripped!r} has an empty resource part")
    return Arn(partition, service, region, account, resource, stripped)


def region_problem(region: str) -> str:
    """Why ``region`` cannot be an ARN's region field, or '' if it can."""
    if _REGION.fullmatch(region):
        return ""
    return f"region {region!r} is not a region code; expected one such as us-east-1, a wildcard such as *, or nothing"


def account_problem(account: str) -> str:
    """Why ``account`` cannot be an ARN's account field, or '' if it can.

    Empty (S3 buckets), 12 digits, a wildcard pattern that can match 12 digits, or one of the
    literal words AWS's formats use.
    """
    if account == "" or account in LITERAL_ACCOUNTS:
        return ""
    if _ACCOUNT_PATTERN.fullmatch(account):
        digits = len(account) - account.count("*")
        if digits == 12 or (digits < 12 and "*" in account):
            return ""
    return (f"account {account!r} is not a 12-digit account id; expected 12 digits, a wildcard such as *, "
            f"or nothing")


def _describe(character: str) -> str:
    names = {"\n": "a line break", "\r": "a line break", "\t": "a tab", " ": "a space"}
    return names.get(character, f"the character {character!r}")


def format_service(arn_format: str) -> str:
    """The service field of an ARN format: ``s3`` for ``arn:${Partition}:s3:::${BucketName}``."""
    fields = arn_format.split(":", 3)
    if len(fields) < 4 or fields[0] != "arn":
        raise ValueError(f"not an ARN format: {arn_format!r}")
    return fields[2]


def shape(arn_format: str) -> str:
    """The format with every variable replaced by ``${}``: equal shapes match the same ARNs."""
    return _VARIABLE.sub("${}", arn_format)


def _translate(text: str, variable: str, last: str) -> str:
    """A regex for ``text``: literals escaped, variables as given, ``last`` for a final one."""
    parts, pos = [], 0
    for m in _VARIABLE.finditer(text):
        parts.append(re.escape(text[pos : m.start()]))
        parts.append(last if m.end() == len(text) else variable)
        pos = m.end()
    parts.append(re.escape(text[pos:]))
    return "".join(parts)


@lru_cache(maxsize=None)
def _literals(arn_format: str) -> tuple[str, tuple[str, ...]]:
    """A format's resource part: the literal text it starts with, and every literal piece in order."""
    resource = arn_format.split(":", 5)[5] if arn_format.count(":") >= 5 else ""
    m = _VARIABLE.search(resource)
    return (resource[: m.start()] if m else resource), tuple(p for p in _VARIABLE.split(resource) if p)


def _holds_in_order(text: str, pieces: tuple[str, ...]) -> bool:
    """Whether every piece occurs in ``text``, one after the other."""
    pos = 0
    for piece in pieces:
        pos = text.find(piece, pos)
        if pos < 0:
            return False
        pos += len(piece)
    return True


@lru_cache(maxsize=None)
def _compile(arn_format: str) -> tuple[re.Pattern[str], tuple[int, int]]:
    """The regex matching a whole ARN, and the rank of a match (see ``_best``)."""
    fields = arn_format.split(":", 5)
    if len(fields) < 6:
        raise ValueError(f"not an ARN format: {arn_format!r}")
    head = [
        "[^:]*" if field == "*" else _translate(field, "[^:]+", "[^:]+")
        for field in fields[:5]
    ]
    resource = fields[5]
    regex = ":".join([*head, _translate(resource, "[^:]+", ".+")])
    literals = _VARIABLE.sub("", resource)
    return re.compile(regex), (len(_SEPARATORS.findall(literals)), len(literals))


class ArnMatcher:
    """Resolve ARNs to the keys of the ARN formats they match (see the module docstring)."""

    def __init__(self, formats: Iterable[tuple[Any, str]]) -> None:
        # Each candidate: (key, format, leading literal, literal pieces), prepared once.
        self._by_service: dict[str, list[tuple]] = {}
        self._any_service: list[tuple] = []
        for key, arn_format in formats:
            service = format_service(arn_format)
            candidate = (key, arn_format, *_literals(arn_format))
            if _VARIABLE.search(service):
                self._any_service.append(candidate)
            else:
                self._by_service.setdefault(service, []).append(candidate)
        # service -> first character of a resource -> the candidates it can match: those whose
        # lead starts with that character, and those without a lead ("" -> only the latter).
        self._by_first: dict[str, dict[str, list[tuple]]] = {}
        for service, candidates in self._by_service.items():
            leadless = [c for c in candidates if not c[2]]
            index = self._by_first[service] = {"": leadless}
            for c in candidates:
                if c[2]:
                    index.setdefault(c[2][0], list(leadless)).append(c)

    def match(self, arn: Arn | str) -> list[Any]:
        """The keys of the best-matching formats, sorted; ``[]`` if none matches."""
        if isinstance(arn, str):
            arn = parse_arn(arn)
        # Rebuilt rather than arn.text, so that a hand-made Arn matches by its fields.
        text = ":".join(("arn", arn.partition, arn.service, arn.region, arn.account, arn.resource))
        own = self._by_service.get(arn.service, ())
        keys = (
            _best(self._narrowed(arn.service, arn.resource), text)
            or _covered(own, arn)
            or _best(self._any_service, text)
        )
        try:
            return sorted(keys)
        except TypeError:  # keys of mixed types: still deterministic
            return sorted(keys, key=repr)


    def _narrowed(self, service: str, resource: str) -> list[tuple]:
        """The candidates of ``service`` whose lead the resource's first character allows."""
        if resource[:1] in ("*", "?"):  # a wildcard may stand for any lead
            return self._by_service.get(service, [])
        index = self._by_first.get(service)
        return index.get(resource[:1], index[""]) if index else []


def _best(candidates: Iterable[tuple], text: str) -> set[Any]:
    """The keys of the matching formats of the highest rank.

    A format's rank is the number of separators in its resource literals, then
    their length: the more of the ARN its literals explain, the better it fits.
    """
    best = (-1, -1)
    keys: set[Any] = set()
    resource = text.split(":", 5)[5]
    # Compiling every format of a service costs more than matching: first drop the formats
    # whose leading literal (``accesspoint/``, ``log-group:``) the resource cannot start with,
    # and those with a literal piece (``/backup/``) that the resource lacks: a match needs both.
    # A user wildcard may stand for the lead's rest: only the text before it must agree.
    cut = len(resource)
    for wildcard in "*?":
        found = resource.find(wildcard)
        if 0 <= found < cut:
            cut = found
    for key, arn_format, lead, pieces in candidates:
        if not resource.startswith(lead) and (cut >= len(lead) or resource[:cut] != lead[:cut]):
            continue
        if pieces and not _holds_in_order(resource, pieces):
            continue
        pattern, rank = _compile(arn_format)
        if rank >= best and pattern.fullmatch(text):
            if rank > best:
                best, keys = rank, set()
            keys.add(key)
    return keys


def _covered(candidates: Iterable[tuple], arn: Arn) -> set[Any]:
    """Keys of the formats that the user's ARN, read as an IAM wildcard pattern, overlaps."""
    if "*" not in arn.resource and "?" not in arn.resource:
        return set()
    keys = set()
    head = ":".join(("arn", arn.partition, arn.service, arn.region, arn.account, "x"))
    for key, arn_format, *_ in candidates:
        fields = arn_format.split(":", 5)
        head_pattern, _ = _compile(":".join([*fields[:5], "x"]))
        if head_pattern.fullmatch(head) and _overlap(arn.resource, fields[5]):
            keys.add(key)
    return keys


def tokens(arn_format_resource: str) -> list[str | None]:
    """A format's resource part as single literal characters and ``None`` for each variable."""
    out: list[str | None] = []
    pos = 0
    for m in _VARIABLE.finditer(arn_format_resource):
        out.extend(arn_format_resource[pos : m.start()])
        out.append(None)
        pos = m.end()
    out.extend(arn_format_resource[pos:])
    return out


@lru_cache(maxsize=4096)
def _overlap(pattern: str, arn_format_resource: str) -> bool:
    """Whether some resource string fits both the user's glob and the format.

    A product of the two patterns' automata, searched breadth-first: a state is
    (position in the glob, position in the format, whether the current variable
    has taken a character yet). Variables take one or more characters other
    than ``:`` (the last one anything); ``*`` takes any run, ``?`` one character.
    """
    glob = list(pattern)
    fmt = tokens(arn_format_resource)
    last = len(fmt) - 1
    start = (0, 0, False)
    seen, todo = {start}, [start]
    while todo:
        i, j, inside = todo.pop()
        if i == len(glob) and j == len(fmt):
            return True
        moves = []
        if i < len(glob) and glob[i] == "*":
            moves.append((i + 1, j, inside))  # '*' takes nothing more
        if j < len(fmt) and fmt[j] is None and inside:
            moves.append((i, j + 1, False))  # the variable ends
        if i < len(glob) and j < len(fmt):
            g, f = glob[i], fmt[j]
            wild = g in "*?"
            if f is None:
                fits = wild or g != ":" or j == last
            else:
                fits = wild or g == f
            if fits:
                moves.append((i if g == "*" else i + 1, j if f is None else j + 1, f is None))
        for state in moves:
            if state not in seen:
                seen.add(state)
                todo.append(state)
    return False
