"""generate-template --athena-table: CloudTrail usage aggregated by Athena, then the same evidence as the files.

One SQL aggregation runs in Athena over the CloudTrail table (the layout of AWS's documented
``CREATE TABLE`` for CloudTrail): a row per principal, event source, event name, resources,
request parameters, error code (and the few other fields the evidence reads), with the
number of calls and the first and last time seen. Only the period's partitions are scanned:
the table's date partition (``timestamp``, ``yyyy/MM/dd``, as partition projection names it)
is bounded as well as ``eventtime``.

Each row becomes the CloudTrail record it stands for and goes through the same ``Analyzer``
as a log file's records, its counts scaled to the row's number of calls; so the Athena path
and the file path give the same evidence, and the same templates, for the same events.

``max_scanned_bytes`` is checked twice: against Athena's own estimate (``EXPLAIN (TYPE IO)``)
before the query runs, and against the bytes Athena reports scanned while it runs (the query is
stopped past the limit).
"""
from __future__ import annotations

import datetime
import json
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from policy_tf.core.errors import InputError, PolicyTfError
from policy_tf.sources.cloudtrail.aggregate import Evidence

if TYPE_CHECKING:
    from policy_tf.sources.cloudtrail.evidence import Filters

_NAME = re.compile(r"^[A-Za-z0-9_]{1,255}$")  # Athena/Glue database and table names
# A day, or a time as parse_when writes it: no quote can reach the SQL.
_WHEN = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z?)?$")
SEPARATOR = "\x1f"  # between resource ARNs in one cell: a control character no ARN holds
COLUMNS = ("identity_type", "identity_arn", "identity_account", "issuer_type", "issuer_arn", "event_source",
           "event_name", "event_type", "read_only", "error_code", "region", "recipient_account",
           "request_parameters", "resource_arns", "calls", "first_seen", "last_seen")
POLL_FIRST, POLL_MAX = 0.2, 5.0


class AthenaError(PolicyTfError):
    """The query failed, was cancelled, timed out, or would scan more than allowed."""


@dataclass(frozen=True)
class Table:
    database: str
    table: str

    @classmethod
    def parse(cls, text: str) -> Table:
        database, dot, table = text.partition(".")
        if not dot or not _NAME.match(database) or not _NAME.match(table):
            raise InputError(f"--athena-table {text!r}: expected DATABASE.TABLE (letters, digits and _ each)")
        return cls(database.lower(), table.lower())

    def sql(self) -> str:
        return f'"{self.database}"."{self.table}"'


@dataclass(frozen=True)
class Period:
    since: str = ""  # YYYY-MM-DDTHH:MM:SSZ, inclusive (as parse_when writes it)
    until: str = ""


def _day(when: str, days: int = 0) -> str:
    value = datetime.date.fromisoformat(when[:10]) + datetime.timedelta(days=days)
    return value.strftime("%Y/%m/%d")


def aggregation_sql(table: Table, period: Period, partition_column: str | None = "timestamp") -> str:
    """The one aggregation (Trino/Presto SQL, as Athena runs it).

    The partition bounds run to the day after ``until``: CloudTrail delivers an event's file up
    to about 15 minutes after the event, so a late event may sit in the next day's partition.
    """
    for when in (period.since, period.until):
        if when and not _WHEN.match(when):
            raise InputError(f"{when!r}: expected a day or a time (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)")
    where = []
    if period.since:
        where.append(f"eventtime >= '{period.since}'")
    if period.until:
        where.append(f"eventtime <= '{period.until}'")
    if partition_column:
        if not _NAME.match(partition_column):
            raise InputError(f"--partition-column {partition_column!r}: expected a column name")
        if period.since:
            where.append(f"\"{partition_column}\" >= '{_day(period.since)}'")
        if period.until:
            where.append(f"\"{partition_column}\" <= '{_day(period.until, 1)}'")
    # Assumed-role sessions lose their session name here (every session of a role is the same
    # principal), so that rows do not multiply by sessions. Every value in the text was checked
    # above (names by _NAME, times by _WHEN): S608 does not apply.
    select = f"""SELECT
  useridentity.type AS identity_type,
  CASE WHEN useridentity.type = 'AssumedRole'
       THEN regexp_extract(useridentity.arn, '^(arn:[A-Za-z0-9_-]+:sts::[0-9]{{12}}:assumed-role/[^/]+)/.+$', 1)
       ELSE useridentity.arn END AS identity_arn,
  useridentity.accountid AS identity_account,
  useridentity.sessioncontext.sessionissuer.type AS issuer_type,
  useridentity.sessioncontext.sessionissuer.arn AS issuer_arn,
  eventsource AS event_source,
  eventname AS event_name,
  eventtype AS event_type,
  readonly AS read_only,
  errorcode AS error_code,
  awsregion AS region,
  recipientaccountid AS recipient_account,
  requestparameters AS request_parameters,
  array_join(transform(resources, r -> r.arn), chr(31)) AS resource_arns,
  count(*) AS calls,
  min(eventtime) AS first_seen,
  max(eventtime) AS last_seen
FROM {table.sql()}"""  # noqa: S608
    group = "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14"
    return select + (("\nWHERE " + "\n  AND ".join(where)) if where else "") + "\n" + group


def record_of(row: dict) -> tuple[dict, int, str, str]:
    """(the CloudTrail record a result row stands for, calls, first seen, last seen)."""
    def text(name):
        value = row.get(name)
        return value if value not in (None, "") else None

    identity: dict = {}
    if text("identity_type"):
        identity["type"] = row["identity_type"]
    arn = text("identity_arn")
    if arn:
        identity["arn"] = arn + "/session" if row.get("identity_type") == "AssumedRole" else arn
    if text("identity_account"):
        identity["accountId"] = row["identity_account"]
    if text("issuer_type") or text("issuer_arn"):
        identity["sessionContext"] = {"sessionIssuer": {k: v for k, v in (("type", text("issuer_type")),
                                                                            ("arn", text("issuer_arn"))) if v}}
    parameters = text("request_parameters")
    try:
        parameters = json.loads(parameters) if parameters else None
    except ValueError:
        parameters = None  # not JSON: no parameter can be read from it, as from a record without them
    read_only = {"true": True, "false": False}.get(str(row.get("read_only")).lower())
    record = {"eventSource": text("event_source"), "eventName": text("event_name"), "eventType": text("event_type"),
              "awsRegion": text("region"), "recipientAccountId": text("recipient_account"),
              "userIdentity": identity or None, "requestParameters": parameters}
    if read_only is not None:
        record["readOnly"] = read_only
    if text("error_code"):
        record["errorCode"] = row["error_code"]
    arns = [a for a in (row.get("resource_arns") or "").split(SEPARATOR) if a]
    if arns:
        record["resources"] = [{"ARN": a} for a in arns]
    calls = int(row.get("calls") or 0)
    return record, calls, text("first_seen") or "", text("last_seen") or ""


@dataclass
class Accumulator:
    """Feeds result rows to the file path's ``Analyzer``, a row at a time, into one ``Evidence``."""

    mapper: object
    finder: object
    filters: Filters
    evidence: Evidence = field(default_factory=Evidence)
    rows: int = 0

    def add(self, row: dict) -> None:
        from policy_tf.sources.cloudtrail.evidence import Analyzer

        record, calls, first, last = record_of(row)
        if calls <= 0:
            return
        self.rows += 1
        # The first and the last call of the row, analysed as the file path would; then every
        # count scaled from those two (or one) calls to the row's number of calls.
        events = [dict(record, eventTime=first)] + ([dict(record, eventTime=last)] if calls > 1 else [])
        part = Evidence()
        analyzer = Analyzer(self.mapper, self.finder, self.filters, part)
        analyzer.add(events)
        flush = getattr(analyzer, "flush", None)  # an accumulator that counts keys first analyses them on flush
        if flush is not None:
            flush()
        _scale(part, len(events), calls)
        part.files = 0
        self.evidence.merge(part)


def _scale(part: Evidence, replayed: int, calls: int) -> None:
    def scaled(value: int) -> int:
        return value // replayed * calls

    part.records = scaled(part.records)
    for table in (part.skipped, part.bad_records):
        for key in table:
            table[key] = scaled(table[key])
    for seen in part.principals.values():
        seen.events.count = scaled(seen.events.count)
        seen.read_only, seen.denied_calls = scaled(seen.read_only), scaled(seen.denied_calls)
        seen.failed_calls = scaled(seen.failed_calls)
        for table in (seen.granted, seen.denied, seen.unresolved, seen.unmapped):
            for counted in table.values():
                counted.count = scaled(counted.count)


def accumulator(filters, db=None) -> Accumulator:
    from policy_tf.iamdb.catalog import catalog
    from policy_tf.sources.cloudtrail import mapping
    from policy_tf.sources.cloudtrail.resources import ResourceFinder

    cat = catalog(db)
    table = mapping.load()
    return Accumulator(mapping.EventMapper(cat, table), ResourceFinder(cat, table.parameters), filters)


# --- Athena -------------------------------------------------------------------------------------

@dataclass
class Query:
    """Where and how a query runs."""

    database: str
    workgroup: str | None = None
    output_location: str | None = None
    timeout: float = 1800.0
    max_scanned_bytes: int | None = None


def _start(athena, sql: str, query: Query) -> str:
    kwargs = {"QueryString": sql, "QueryExecutionContext": {"Database": query.database}}
    if query.workgroup:
        kwargs["WorkGroup"] = query.workgroup
    if query.output_location:
        kwargs["ResultConfiguration"] = {"OutputLocation": query.output_location}
    return athena.start_query_execution(**kwargs)["QueryExecutionId"]


def wait(athena, execution_id: str, query: Query, sleep=time.sleep) -> dict:
    """The finished execution; AthenaError for FAILED/CANCELLED, a timeout, or bytes past the limit."""
    deadline = time.monotonic() + query.timeout
    delay = POLL_FIRST
    while True:
        execution = athena.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]
        status = execution.get("Status", {})
        state = status.get("State")
        scanned = (execution.get("Statistics") or {}).get("DataScannedInBytes") or 0
        if query.max_scanned_bytes is not None and scanned > query.max_scanned_bytes:
            _stop(athena, execution_id)
            raise AthenaError(f"Athena query {execution_id} stopped: it scanned {_gb(scanned)}, more than "
                              f"--max-scanned-gb {_gb(query.max_scanned_bytes)}")
        if state == "SUCCEEDED":
            return execution
        if state in ("FAILED", "CANCELLED"):
            reason = status.get("StateChangeReason") or (status.get("AthenaError") or {}).get("ErrorMessage") or ""
            raise AthenaError(f"Athena query {execution_id} {state}: {reason}".rstrip(": "))
        if time.monotonic() + delay > deadline:
            _stop(athena, execution_id)
            raise AthenaError(f"Athena query {execution_id} did not finish within {query.timeout:g} s (stopped)")
        sleep(delay)
        delay = min(delay * 2, POLL_MAX)


def _stop(athena, execution_id: str) -> None:
    from policy_tf.aws.session import aws_errors

    try:
        athena.stop_query_execution(QueryExecutionId=execution_id)
    except aws_errors():  # already finished: nothing to stop
        return


def _gb(value: int) -> str:
    return f"{value / 1e9:.3f} GB"


def rows(athena, execution_id: str, columns: tuple[str, ...] | None = None):
    """Each result row as {column: text or None}, page after page (the header row left out)."""
    names = None
    for page in athena.get_paginator("get_query_results").paginate(QueryExecutionId=execution_id,
                                                                   PaginationConfig={"PageSize": 1000}):
        result = page["ResultSet"]
        if names is None:
            columns_info = result.get("ResultSetMetadata", {}).get("ColumnInfo", [])
            names = [c["Name"] for c in columns_info] or list(columns or ())
            header = True
        for raw in result.get("Rows", []):
            values = [cell.get("VarCharValue") for cell in raw.get("Data", [])]
            if header:
                header = False
                if values == names:  # Athena's first row of a SELECT: the column names
                    continue
            yield dict(zip(names, values))


def estimate(athena, sql: str, query: Query) -> int | None:
    """Athena's estimate of the bytes the query reads (``EXPLAIN (TYPE IO, FORMAT JSON)``), or None."""
    execution_id = _start(athena, f"EXPLAIN (TYPE IO, FORMAT JSON)\n{sql}", query)
    wait(athena, execution_id, Query(query.database, query.workgroup, query.output_location, query.timeout))
    text = "\n".join(v for row in rows(athena, execution_id) for v in row.values() if v)
    return estimated_bytes(text)


def estimated_bytes(text: str) -> int | None:
    """The input size an ``EXPLAIN (TYPE IO, FORMAT JSON)`` answer estimates: the sum over its input tables."""
    try:
        plan = json.loads(text)
    except ValueError:
        return None
    total, found = 0.0, False
    for table in plan.get("inputTableColumnInfos", []) if isinstance(plan, dict) else []:
        size = (table.get("estimate") or {}).get("outputSizeInBytes")
        if isinstance(size, (int, float)) and size == size and size != float("inf"):
            total += size
            found = True
    return int(total) if found else None


@dataclass
class AthenaRun:
    sql: str
    execution_id: str | None = None
    estimated_bytes: int | None = None
    scanned_bytes: int | None = None
    rows: int = 0


def run(athena, table: Table, period: Period, query: Query, add, *, partition_column: str | None = "timestamp",
        dry_run: bool = False) -> AthenaRun:
    """Run the aggregation and hand every row to ``add``; with ``dry_run``, only the estimate."""
    sql = aggregation_sql(table, period, partition_column)
    result = AthenaRun(sql)
    if dry_run or query.max_scanned_bytes is not None:
        result.estimated_bytes = estimate(athena, sql, query)
        if query.max_scanned_bytes is not None and result.estimated_bytes is not None \
                and result.estimated_bytes > query.max_scanned_bytes:
            raise AthenaError(f"refusing to run: Athena estimates the query reads {_gb(result.estimated_bytes)}, more "
                              f"than --max-scanned-gb {_gb(query.max_scanned_bytes)}; narrow --since/--until")
        if dry_run:
            return result
    result.execution_id = _start(athena, sql, query)
    execution = wait(athena, result.execution_id, query)
    result.scanned_bytes = (execution.get("Statistics") or {}).get("DataScannedInBytes")
    for row in rows(athena, result.execution_id, COLUMNS):
        add(row)
        result.rows += 1
    return result


def generate_from_athena(table_name: str, *, principals: tuple[str, ...] = (), since: str = "", until: str = "",
                         mode: str = "crud", workgroup: str | None = None, output_location: str | None = None,
                         max_scanned_gb: float | None = None, dry_run: bool = False,
                         partition_column: str | None = "timestamp", boto_session=None, db=None):
    """(Generated, AthenaRun): the templates of ``generate`` from an Athena CloudTrail table."""
    from policy_tf.aws.session import client
    from policy_tf.sources.cloudtrail.evidence import Filters
    from policy_tf.sources.cloudtrail.generate import MODES, Generated, render_templates

    if mode not in MODES:
        raise InputError(f"--mode: expected one of {', '.join(MODES)}, got {mode!r}")
    if since and until and since > until:
        raise InputError(f"--since {since} is after --until {until}")
    if output_location is not None:
        from policy_tf.aws.s3 import parse_url

        parse_url(output_location.rstrip("/") + "/x", "--output-location")
    table = Table.parse(table_name)
    filters = Filters(tuple(principals), since, until)
    sink = accumulator(filters, db)
    query = Query(table.database, workgroup, output_location,
                  max_scanned_bytes=None if max_scanned_gb is None else int(max_scanned_gb * 1e9))
    athena_run = run(client("athena", boto_session=boto_session), table, Period(since, until), query, sink.add,
                     partition_column=partition_column, dry_run=dry_run)
    result = Generated(sink.evidence)
    if not dry_run:
        render_templates(result, f"athena:{table.database}.{table.table}", principals, mode)
    return result, athena_run
