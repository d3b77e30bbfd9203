"""Events of the account commands and the usage review, as text lines or one JSON object each.

JSON events carry the fields of AWS's Access Advisor permission-boundary sample, so that the
same CloudWatch Logs Insights queries work: ``msgtype`` (``detail`` for one entity or
service, ``summary`` for a run's totals, ``error``), ``entity_type``, ``entity_name``,
``service``, ``authenticated_entities`` and ``message``; plus ``time`` and, where it helps,
more typed fields (``arn``, ``status``, counts). Log content is data: it goes through
``json.dumps`` (control characters escaped), never into the syntax.
"""
from __future__ import annotations

import json
import sys
import threading

FORMATS = ("text", "json")
FIELDS = ("msgtype", "entity_type", "entity_name", "service", "authenticated_entities", "message")


class EventLog:
    """Writes events to ``stream`` (default: standard error at the time of each event)."""

    def __init__(self, fmt: str = "text", stream=None, quiet: bool = False) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"log format {fmt!r}: expected one of {', '.join(FORMATS)}")
        self.fmt = fmt
        self._stream = stream
        self.quiet = quiet  # -q: errors only, no detail or summary events
        self._lock = threading.Lock()  # events come from worker threads too

    def _write(self, line: str) -> None:
        stream = self._stream or sys.stderr
        with self._lock:
            stream.write(line + "\n")
            stream.flush()

    def event(self, msgtype: str, message: str, *, entity_type: str | None = None, entity_name: str | None = None,
              service: str | None = None, authenticated_entities: int | None = None, **extra) -> None:
        if self.fmt == "text":
            self._write(message)
            return
        from policy_tf.aws.advisor import utcnow

        record = {"msgtype": msgtype, "time": utcnow().isoformat(timespec="seconds"), "entity_type": entity_type,
                  "entity_name": entity_name, "service": service, "authenticated_entities": authenticated_entities,
                  "message": message, **{k: v for k, v in extra.items() if v is not None}}
        self._write(json.dumps(record, ensure_ascii=False, sort_keys=False, default=str))

    def detail(self, message: str, **fields) -> None:
        if not self.quiet:
            self.event("detail", message, **fields)

    def summary(self, message: str, **fields) -> None:
        if not self.quiet:
            self.event("summary", message, **fields)

    def error(self, message: str, **fields) -> None:
        self.event("error", message, **fields)


def entity_fields(arn: str, entity_type: str | None = None) -> dict:
    """``entity_type`` and ``entity_name`` of an IAM ARN (``arn:aws:iam::1:role/path/name``)."""
    resource = arn.split(":", 5)[-1]
    kind, _, rest = resource.partition("/")
    return {"entity_type": entity_type or kind, "entity_name": rest.rsplit("/", 1)[-1] or None, "arn": arn}


def usage_events(log: EventLog, report: dict) -> None:
    """One detail event per service of each entity (the sample's per-service lines), then nothing else."""
    for entity in report["entities"]:
        fields = {"entity_type": entity["type"], "entity_name": entity["name"], "arn": entity["arn"]}
        if "error" in entity:
            log.error(f"{entity['arn']}: {entity['error']}", **fields)
            continue
        for service in entity["services"]:
            state = "used" if service["used"] else "not used"
            log.detail(f"{entity['arn']}: {service['namespace']} {state} within {report['days']} days "
                       f"(last accessed {service['last_accessed'] or 'never'})", **fields,
                       service=service["namespace"], authenticated_entities=service.get("authenticated_entities"),
                       used=service["used"], last_accessed=service["last_accessed"])


def advisor_events(log: EventLog, result: dict) -> int:
    """The events of one account's access-advisor report: usage (JSON log), entities whose job failed,
    tagging outcomes, the account's summary (JSON log). Returns how many entities failed."""
    if log.fmt == "json":
        usage_events(log, {**result, "entities": [e for e in result["entities"] if "error" not in e]})
    failed = 0
    for entity in result["entities"]:
        if "error" in entity:
            failed += 1
            log.error(f"{entity['arn']}: {entity['error']}", **entity_fields(entity["arn"], entity["type"]))
    for outcome in result.get("tagging", []):
        fields = entity_fields(outcome["arn"])
        if outcome["error"]:
            failed += 1
            log.error(f"{outcome['arn']}: tagging failed: {outcome['error']}", **fields)
        elif outcome["skipped"]:
            log.detail(f"{outcome['arn']}: not tagged: {outcome['skipped']}", **fields)
        elif outcome["dropped"]:
            log.detail(f"{outcome['arn']}: the 50-tag limit left out {', '.join(outcome['dropped'])}", **fields)
    if log.fmt == "json":
        entities = [e for e in result["entities"] if "error" not in e]
        log.summary(f"account {result['account']}: {len(entities)} entities with usage data",
                    account=result["account"], entities=len(result["entities"]),
                    errors=len(result["entities"]) - len(entities),
                    tagged=sum(1 for o in result.get("tagging", []) if not (o["error"] or o["skipped"])))
    return failed
