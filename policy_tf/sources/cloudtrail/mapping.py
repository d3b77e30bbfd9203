"""CloudTrail events -> IAM actions.

In order: the curated table ``data/cloudtrail-event-mappings.yml`` of this package (each entry with its
source), then the IAM database's API operations table (when the database has one), then an
IAM action of the event's own name in the event source's service.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from policy_tf.core import iamnames
from policy_tf.core.errors import InputError

FILE_NAME = "cloudtrail-event-mappings.yml"
# Lambda and CloudFront log API-version suffixes: GetFunction20150331v2, GetDistribution2020_05_31.
_VERSION_SUFFIX = re.compile(r"(?:\d{8}|\d{4}_\d{2}_\d{2})(?:v\d+)?$")
TOP_KEYS = {"event-sources", "parameters", "events"}
# What CloudTrail writes: service hosts (s3.amazonaws.com, s3-outposts...) and API names
# (GetObject, GetFunction20150331v2, GetDistribution2020_05_31).
_SOURCE = re.compile(r"[a-z0-9][a-z0-9.-]{0,127}")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,127}", re.ASCII)  # API names; IAM allows hyphens (vpc-lattice)
MEMO_LIMIT = 100_000


def _why(text: str) -> str:
    if not text.isascii():
        return "non-ASCII characters; IAM names are ASCII"
    if len(text) > 128:
        return "longer than 128 characters"
    return "characters IAM names never have" if text else "empty"


def bundled_path() -> Path:
    """The mapping table shipped in this package (``data/`` beside this module)."""
    from policy_tf.core.datafiles import data_file

    return data_file("policy_tf.sources.cloudtrail", FILE_NAME)


@dataclass(frozen=True)
class MappedAction:
    action: str            # prefix:Name as written in the table
    resource: str | None   # an ARN template of its own, or None: the event's resources


@dataclass(frozen=True)
class Mappings:
    prefixes: dict[str, str]                            # eventSource -> IAM prefix
    parameters: dict[str, tuple[str, ...]]              # ARN variable -> request parameters
    events: dict[tuple[str, str], tuple[MappedAction, ...]]
    sources: dict[tuple[str, str], str]                 # (eventSource, eventName) -> source URL


def load(path: Path | None = None) -> Mappings:
    """Read and validate the table; every problem names the file and entry."""
    import yaml

    path = path or bundled_path()
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the CloudTrail mapping table: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or set(data) - TOP_KEYS:
        raise InputError(f"{path}: expected a mapping with keys {', '.join(sorted(TOP_KEYS))}")
    prefixes = {}
    for host, entry in (data.get("event-sources") or {}).items():
        _require(entry, {"prefix", "source"}, f"{path}: event-sources.{host}")
        prefixes[str(host)] = str(entry["prefix"])
    parameters = {}
    for variable, entry in (data.get("parameters") or {}).items():
        _require(entry, {"from", "source"}, f"{path}: parameters.{variable}")
        if not isinstance(entry["from"], list) or not all(isinstance(p, str) for p in entry["from"]):
            raise InputError(f"{path}: parameters.{variable}.from: expected a list of request parameter names")
        parameters[str(variable)] = tuple(entry["from"])
    events, sources = {}, {}
    for index, entry in enumerate(data.get("events") or []):
        where = f"{path}: events[{index}]"
        _require(entry, {"event-source", "event-name", "actions", "source"}, where)
        key = (str(entry["event-source"]), str(entry["event-name"]))
        if key in events:
            raise InputError(f"{where}: {key[0]} {key[1]} is listed twice")
        if not isinstance(entry["actions"], list):
            raise InputError(f"{where}.actions: expected a list")
        events[key] = tuple(_action(a, f"{where}.actions[{i}]") for i, a in enumerate(entry["actions"]))
        sources[key] = str(entry["source"])
    return Mappings(prefixes, parameters, events, sources)


def _require(entry, keys: set[str], where: str) -> None:
    if not isinstance(entry, dict) or set(entry) != keys:
        raise InputError(f"{where}: expected exactly the keys {', '.join(sorted(keys))}")
    if not str(entry["source"]).startswith("https://"):
        raise InputError(f"{where}.source: expected the https:// page that documents it")


def _action(item, where: str) -> MappedAction:
    if isinstance(item, str) and ":" in item:
        return MappedAction(item, None)
    if isinstance(item, dict) and set(item) == {"action", "resource"} and ":" in str(item["action"]):
        return MappedAction(str(item["action"]), str(item["resource"]))
    raise InputError(f"{where}: expected prefix:Action or {{action: prefix:Action, resource: ARN template}}")


@dataclass(frozen=True)
class Planned:
    """One IAM action an event needs, with what finding its resources takes."""

    prefix: str
    name: str
    level: str                    # effective access level
    resource_types: tuple[str, ...]
    resource: str | None          # the mapping's own ARN template
    keys: frozenset = frozenset()  # (prefix, resource type) pairs an ARN must match

    @cached_property
    def action(self) -> str:
        """prefix:Name, made once: every evidence key of this action holds this one string."""
        return f"{self.prefix}:{self.name}"

    @property
    def wildcard_only(self) -> bool:
        return not self.resource_types


@dataclass(frozen=True)
class Resolution:
    actions: tuple[Planned, ...]
    origin: str   # "mapping", "operations" or "same name"; "" when nothing matched
    reason: str   # why nothing matched


class EventMapper:
    """Resolves (eventSource, eventName), memoized: a month of logs repeats a few hundred names."""

    def __init__(self, catalog, mappings: Mappings, operations=None):
        self.catalog = catalog
        self.mappings = mappings
        if operations is None:
            # The API operations table arrives with a newer database module; older ones lack it.
            from policy_tf.iamdb import query

            operations = getattr(query, "operations", None)
        self.operations = operations
        self._memo: dict[tuple[str, str], Resolution] = {}

    def prefix(self, event_source: str) -> str | None:
        prefix = self.mappings.prefixes.get(event_source)
        if prefix is None and event_source.endswith(".amazonaws.com"):
            prefix = event_source[: -len(".amazonaws.com")]
        return self.catalog.prefixes.get(iamnames.fold(prefix)) if prefix else None  # ASCII: no look-alikes

    def resolve(self, event_source: str, event_name: str) -> Resolution:
        key = (event_source, event_name)
        found = self._memo.get(key)
        if found is None:
            found = self._resolve(event_source, event_name)
            if len(self._memo) < MEMO_LIMIT:  # bounded: names come from the logs
                self._memo[key] = found
        return found

    def _resolve(self, event_source: str, event_name: str) -> Resolution:
        # IAM names are ASCII: a look-alike (KELVIN SIGN for K, long s for s) is reported, and
        # never folded into a real name by a Unicode-aware lower() or by a wildcard in the name.
        if not _SOURCE.fullmatch(event_source):
            return Resolution((), "", f"eventSource is not a service host name ({_why(event_source)})")
        if not _NAME.fullmatch(event_name):
            return Resolution((), "", f"eventName is not an API name ({_why(event_name)})")
        mapped = self.mappings.events.get((event_source, event_name))
        if mapped is not None:
            if not mapped:
                return Resolution((), "mapping", "no IAM action authorizes it")
            return self._planned([(m.action, m.resource) for m in mapped], "mapping")
        prefix = self.prefix(event_source)
        if prefix is None:
            return Resolution((), "", f"no IAM service for event source {event_source}")
        names = [event_name]
        plain = _VERSION_SUFFIX.sub("", event_name)
        if plain and plain != event_name:
            names.append(plain)
        for name in names:
            actions = self._from_operations(prefix, name)
            if actions:
                return self._planned([(a, None) for a in actions], "operations")
        for name in names:
            if iamnames.is_action(f"{prefix}:{name}") and self.catalog.expand(f"{prefix}:{name}"):
                return self._planned([(f"{prefix}:{name}", None)], "same name")
        return Resolution((), "", f"no IAM action {prefix}:{plain or event_name}")

    def _from_operations(self, prefix: str, name: str) -> list[str]:
        if self.operations is None:
            return []
        from policy_tf.core.errors import NotFoundError

        try:
            rows = self.operations(prefix, name, db=self.catalog.db)
        except NotFoundError:
            return []
        wanted = iamnames.fold(name)
        return [a for row in rows if str(row.get("operation", "")).lower() == wanted for a in row.get("actions", [])]

    def _planned(self, actions: list[tuple[str, str | None]], origin: str) -> Resolution:
        planned, missing = [], []
        for action, resource in actions:
            found = self.catalog.expand(action) if iamnames.is_action(action) else []  # log text: no wildcards
            if not found:
                missing.append(action)
                continue
            prefix, name = found[0]
            types = tuple(dict.fromkeys(r.resource_type for r in self.catalog.rows(prefix, name) if r.resource_type))
            planned.append(Planned(prefix, name, self.catalog.level(prefix, name), types, resource,
                                   frozenset((prefix, t) for t in types)))
        # Reported with the event, granted or not: a partly mapped call still lacks something.
        reason = f"the {origin} names actions missing from the database: {', '.join(missing)}" if missing else ""
        return Resolution(tuple(planned), origin if planned else "", reason)

