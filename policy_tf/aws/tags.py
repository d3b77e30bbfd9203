"""Usage tags from an Access Advisor report: namespaced, clean, within the 50-tag limit.

Only keys under ``policy_tf:`` are ever written or removed. Tag keys are case-insensitive in
IAM, so ours are compared ignoring case, and a stale one (written by an earlier run, no longer
produced) is removed instead of piling up. Groups cannot be tagged: they are reported.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

PREFIX = "policy_tf:"
MAX_TAGS = 50
MAX_VALUE = 256
# IAM's tag character set: letters, separators (spaces), numbers and _ . : / = + - @
_ALLOWED_PUNCTUATION = set("_.:/=+-@")


def clean_value(text: str, limit: int = MAX_VALUE) -> str:
    """``text`` in IAM's tag character set (others become ``_``), cut to ``limit`` characters."""
    cleaned = "".join(c if c in _ALLOWED_PUNCTUATION or unicodedata.category(c)[0] in "LZN" else "_" for c in text)
    return cleaned[:limit]


def _word_list(words: list[str], limit: int = MAX_VALUE) -> str:
    """Space-separated words that fit ``limit``, ending ``+N`` for the N left out."""
    for count in range(len(words), -1, -1):
        rest = len(words) - count
        text = " ".join(words[:count] + ([f"+{rest}"] if rest else []))
        if len(text) <= limit:
            return text
    return ""


# In order of importance: when the 50-tag limit leaves less room, the last ones are dropped.
def usage_tags(entry: dict, days: int, audited: str) -> dict[str, str]:
    """The tags for one entity's report entry."""
    tags = {
        "last-audit": audited,
        "coverage-percent": f"{entry['coverage_percent']:g}",
        "services-granted": str(len(entry["services_granted"])),
        "services-used": str(len(entry["services_used"])),
        "audit-days": str(days),
        "services-unused": _word_list(entry["services_unused"]) or "none",
    }
    return {PREFIX + key: clean_value(value) for key, value in tags.items()}


@dataclass
class TagOutcome:
    arn: str
    written: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # ours, left out for the 50-tag limit
    skipped: str | None = None  # why the entity was not tagged at all
    error: str | None = None


def plan_tags(existing: list[dict], wanted: dict[str, str]) -> tuple[dict[str, str], list[str], list[str]]:
    """(tags to write, existing keys to remove, wanted keys dropped for the limit)."""
    ours = [t["Key"] for t in existing if t["Key"].lower().startswith(PREFIX)]
    others = len(existing) - len(ours)
    room = max(MAX_TAGS - others, 0)
    keys = list(wanted)
    kept, dropped = keys[:room], keys[room:]
    kept_lower = {k.lower() for k in kept}
    # Our own keys not written this time, in whatever case an earlier run left them.
    remove = sorted(k for k in ours if k.lower() not in kept_lower)
    current = {t["Key"].lower(): t["Value"] for t in existing}
    write = {k: wanted[k] for k in kept if current.get(k.lower()) != wanted[k]}
    return write, remove, dropped


def tag_entities(iam, report: dict, do_not_tag: list[str] | None = None) -> list[TagOutcome]:
    """Write the usage tags of every role and user in ``report``; groups and listed entities are skipped."""
    from policy_tf.aws.entities import Entity, matches
    from policy_tf.aws.session import error_message

    outcomes = []
    audited = report["generated"][:19] + "Z"
    for entry in report["entities"]:
        outcome = TagOutcome(entry["arn"])
        outcomes.append(outcome)
        kind = entry["type"] + "s"
        entity = Entity(kind, entry["name"], entry["arn"], "/", None)
        if kind == "groups":
            outcome.skipped = "IAM groups cannot be tagged"
            continue
        if do_not_tag and matches(entity, do_not_tag):
            outcome.skipped = "on the do-not-tag list"
            continue
        if "error" in entry:
            outcome.skipped = "no usage data (the Access Advisor job failed)"
            continue
        name_arg = {"RoleName": entry["name"]} if kind == "roles" else {"UserName": entry["name"]}
        noun = "role" if kind == "roles" else "user"
        try:
            existing = _all_tags(iam, noun, name_arg)
            write, remove, dropped = plan_tags(existing, usage_tags(entry, report["days"], audited))
            if remove:
                getattr(iam, f"untag_{noun}")(**name_arg, TagKeys=remove)
            if write:
                getattr(iam, f"tag_{noun}")(**name_arg, Tags=[{"Key": k, "Value": v} for k, v in write.items()])
            outcome.written, outcome.removed, outcome.dropped = write, remove, dropped
        except Exception as exc:  # noqa: BLE001 - one entity's error is reported in its outcome, the others go on
            outcome.error = error_message(exc)
    return outcomes


def _all_tags(iam, noun: str, name_arg: dict) -> list[dict]:
    tags = []
    for page in iam.get_paginator(f"list_{noun}_tags").paginate(**name_arg):
        tags.extend(page["Tags"])
    return tags

