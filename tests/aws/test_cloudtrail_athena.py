"""generate-template --athena-table: the SQL's meaning (run by DuckDB after sqlglot turns Athena's Trino SQL
into DuckDB's) and the Athena client path (moto's Athena, answering with configured results) both give the
file path's evidence and templates for the same logs, record for record."""
from __future__ import annotations

import gzip
import json
import shutil
import urllib.request
from pathlib import Path

import pytest
from cloudtrail_events import ACCOUNT, FIXTURE_LOGS, event, write_log

from policy_tf.aws import athena
from policy_tf.core.errors import InputError
from policy_tf.sources.cloudtrail.evidence import Filters
from policy_tf.sources.cloudtrail.generate import Generated, generate, render_templates

duckdb = pytest.importorskip("duckdb")
sqlglot = pytest.importorskip("sqlglot")

TABLE = athena.Table("cloudtrail_db", "trail")
SCHEMA = """CREATE TABLE cloudtrail_db.trail (
  useridentity STRUCT(type VARCHAR, principalid VARCHAR, arn VARCHAR, accountid VARCHAR, username VARCHAR,
    sessioncontext STRUCT(sessionissuer STRUCT(type VARCHAR, principalid VARCHAR, arn VARCHAR, accountid VARCHAR,
                                               username VARCHAR))),
  eventtime VARCHAR, eventsource VARCHAR, eventname VARCHAR, awsregion VARCHAR, errorcode VARCHAR,
  requestparameters VARCHAR, resources STRUCT(arn VARCHAR, accountid VARCHAR, type VARCHAR)[], eventtype VARCHAR,
  readonly VARCHAR, recipientaccountid VARCHAR, "timestamp" VARCHAR)"""


def _extra_events() -> list[dict]:
    """Repeated calls (counts and first/last seen), a denied call, a failed call, an unmapped event, a
    service's call and a user's, besides the fixture logs."""
    bucket = {"bucketName": "acme-orders", "key": "in/a.csv"}
    s3 = [{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::acme-orders/in/a.csv"}]
    return [
        *[event("s3.amazonaws.com", "GetObject", f"2026-11-04T0{h}:00:00Z", role="worker", readOnly=True,
                requestParameters=bucket, resources=s3) for h in range(5)],
        event("s3.amazonaws.com", "PutObject", "2026-11-04T06:00:00Z", role="worker", readOnly=False,
              requestParameters=bucket, resources=s3, errorCode="AccessDenied"),
        event("sqs.amazonaws.com", "SendMessage", "2026-11-04T07:00:00Z", role="worker",
              requestParameters={"queueUrl": f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT}/jobs"},
              errorCode="ThrottlingException"),
        event("nothing.amazonaws.com", "DoSomething", "2026-11-04T08:00:00Z", role="worker"),
        {**event("kms.amazonaws.com", "Decrypt", "2026-11-04T09:00:00Z"),
         "userIdentity": {"type": "AWSService", "invokedBy": "s3.amazonaws.com"}},
        {**event("sts.amazonaws.com", "GetCallerIdentity", "2026-11-04T10:00:00Z", readOnly=True),
         "userIdentity": {"type": "IAMUser", "arn": f"arn:aws:iam::{ACCOUNT}:user/bob", "accountId": ACCOUNT}},
    ]


@pytest.fixture(scope="module")
def logs(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("logs")
    shutil.copytree(FIXTURE_LOGS, root / "trail")
    write_log(root / "trail" / "AWSLogs" / ACCOUNT / "CloudTrail" / "eu-west-1" / "2026" / "11" / "04"
              / f"{ACCOUNT}_CloudTrail_eu-west-1_20261104T1010Z_extra.json.gz", _extra_events())
    return root / "trail"


def _athena_value(record: dict, name: str):
    return record.get(name)


@pytest.fixture(scope="module")
def engine(logs):
    """The logs as an Athena CloudTrail table (AWS's documented layout, partitioned by delivery day), in DuckDB."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA cloudtrail_db")
    con.execute(SCHEMA)
    rows = []
    for path in sorted(logs.rglob("*.json.gz")):
        day = "/".join(path.parent.parts[-3:])
        for record in json.load(gzip.open(path))["Records"]:
            identity = record.get("userIdentity") or {}
            issuer = (identity.get("sessionContext") or {}).get("sessionIssuer")
            rows.append((
                {"type": identity.get("type"), "principalid": identity.get("principalId"), "arn": identity.get("arn"),
                 "accountid": identity.get("accountId"), "username": identity.get("userName"),
                 "sessioncontext": {"sessionissuer": {"type": issuer.get("type"), "principalid": None,
                                                      "arn": issuer.get("arn"), "accountid": None,
                                                      "username": None}} if issuer else None},
                record.get("eventTime"), record.get("eventSource"), record.get("eventName"), record.get("awsRegion"),
                record.get("errorCode"),
                json.dumps(record["requestParameters"]) if record.get("requestParameters") is not None else None,
                [{"arn": r.get("ARN"), "accountid": None, "type": r.get("type")} for r in record["resources"]]
                if record.get("resources") else None,
                record.get("eventType"),
                None if "readOnly" not in record else str(record["readOnly"]).lower(),
                record.get("recipientAccountId"), day))
    con.executemany("INSERT INTO cloudtrail_db.trail VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return con


def run_sql(con, sql: str) -> list[dict]:
    """Athena's SQL, transpiled to DuckDB by sqlglot and run; rows as Athena returns them (text or None)."""
    cursor = con.execute(sqlglot.transpile(sql, read="trino", write="duckdb")[0])
    names = [d[0] for d in cursor.description]
    return [{n: None if v is None else str(v) for n, v in zip(names, row)} for row in cursor.fetchall()]


def from_rows(rows: list[dict], since: str = "", until: str = "", principals: tuple = ()) -> Generated:
    sink = athena.accumulator(Filters(principals, since, until))
    for row in rows:
        sink.add(row)
    return render_templates(Generated(sink.evidence), "athena:cloudtrail_db.trail", principals, "crud")


def _body(text: str) -> str:
    return text.split("\n", 1)[1]  # past the line naming where the evidence came from


def assert_same(files: Generated, table: Generated) -> None:
    assert sorted(table.evidence.principals) == sorted(files.evidence.principals)
    for principal, mine in files.evidence.principals.items():
        theirs = table.evidence.principals[principal]
        for name in ("granted", "denied", "unresolved", "unmapped"):
            ours = {k: (s.count, s.first, s.last) for k, s in getattr(mine, name).items()}
            assert {k: (s.count, s.first, s.last) for k, s in getattr(theirs, name).items()} == ours, (principal, name)
        assert (theirs.events.count, theirs.events.first, theirs.events.last) == \
            (mine.events.count, mine.events.first, mine.events.last)
        assert (theirs.read_only, theirs.denied_calls, theirs.failed_calls) == \
            (mine.read_only, mine.denied_calls, mine.failed_calls)
        assert (theirs.accounts, theirs.regions, theirs.partitions) == (mine.accounts, mine.regions, mine.partitions)
    assert table.evidence.skipped == files.evidence.skipped
    assert {p: _body(t) for p, t in table.templates.items()} == {p: _body(t) for p, t in files.templates.items()}
    assert table.nothing_granted == files.nothing_granted


@pytest.mark.parametrize("since, until", [("", ""), ("2026-11-03T00:00:00Z", ""), ("", "2026-11-03T23:59:59Z"),
                                          ("2026-11-04T02:00:00Z", "2026-11-04T23:59:59Z")])
def test_the_sql_on_an_embedded_engine_gives_the_file_path_s_evidence_and_templates(logs, engine, since, until):
    files = generate(str(logs), since=since, until=until, progress=False, workers=1)
    rows = run_sql(engine, athena.aggregation_sql(TABLE, athena.Period(since, until)))
    assert files.templates
    assert_same(files, from_rows(rows, since, until))


def test_repeated_calls_are_one_row_with_their_count_and_first_and_last_seen(engine):
    rows = run_sql(engine, athena.aggregation_sql(TABLE, athena.Period()))
    reads = [r for r in rows if r["event_name"] == "GetObject" and (r["issuer_arn"] or "").endswith("role/worker")]
    assert [(r["calls"], r["first_seen"], r["last_seen"]) for r in reads] == \
        [("5", "2026-11-04T00:00:00Z", "2026-11-04T04:00:00Z")]


def test_only_the_period_s_partitions_are_read():
    sql = athena.aggregation_sql(TABLE, athena.Period("2026-11-03T00:00:00Z", "2026-11-30T23:59:59Z"))
    assert "\"timestamp\" >= '2026/11/03'" in sql and "\"timestamp\" <= '2026/12/01'" in sql  # a late delivery
    assert "timestamp" not in athena.aggregation_sql(TABLE, athena.Period("2026-11-03T00:00:00Z"), None)


@pytest.mark.parametrize("name", ["db", "db.table.x", "db.ta-ble", "db.\"t\"", "db.t;DROP"])
def test_a_malformed_table_name_is_refused(name):
    with pytest.raises(InputError, match="DATABASE.TABLE"):
        athena.Table.parse(name)


def test_an_explain_estimate_is_read_from_its_input_tables():
    text = json.dumps({"inputTableColumnInfos": [{"estimate": {"outputSizeInBytes": 2.5e9}},
                                                 {"estimate": {"outputSizeInBytes": 5e8}}]})
    assert athena.estimated_bytes(text) == 3_000_000_000
    assert athena.estimated_bytes("not json") is None
    not_a_number = {"inputTableColumnInfos": [{"estimate": {"outputSizeInBytes": "NaN"}}]}
    assert athena.estimated_bytes(json.dumps(not_a_number)) is None


# --- the client path, against moto's Athena -----------------------------------------------------

pytest.importorskip("moto.server")
from tests.aws_harness import aws, moto_server  # noqa: E402,F401


def _athena_rest_paths() -> None:
    """botocore now speaks Athena's REST-JSON protocol (``POST /query-executions``...), moto 5.2.6 routes only
    the JSON protocol's ``POST /``: add the REST paths, which moto's own router then maps to the same
    handlers (it reads the operation from botocore's model). Before the server builds its Athena app."""
    from moto.athena import urls
    from moto.athena.responses import AthenaResponse

    execution = "{0}/query-executions/(?P<QueryExecutionId>[^/]+)"
    for path in ("{0}/query-executions$", execution + "$", execution + "/results$", execution + "/stop$"):
        urls.url_paths.setdefault(path, AthenaResponse.dispatch)


_athena_rest_paths()


def configure(endpoint: str, *results: list[dict]) -> None:
    """moto's Athena answers the next queries with these rows (a header row first, as Athena does)."""
    payload = {"account_id": "123456789012", "region": "us-east-1", "results": []}
    for rows in results:
        names = list(rows[0]) if rows else list(athena.COLUMNS)
        table = [{"Data": [{"VarCharValue": n} for n in names]}]
        table += [{"Data": [{"VarCharValue": row[n]} if row[n] is not None else {} for n in names]} for row in rows]
        payload["results"].append({"rows": table, "column_info": [{"Name": n, "Type": "varchar"} for n in names]})
    request = urllib.request.Request(f"{endpoint}/moto-api/static/athena/query-results", method="POST",
                                     data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10).close()


def _explain(size: float) -> list[dict]:
    return [{"Query Plan": json.dumps({"inputTableColumnInfos": [{"estimate": {"outputSizeInBytes": size}}]})}]


@pytest.fixture
def fast(monkeypatch):
    monkeypatch.setattr(athena, "POLL_FIRST", 0.01)


def test_the_client_path_gives_the_file_path_s_templates(aws, engine, logs, fast):
    since = "2026-11-03T00:00:00Z"
    configure(aws.endpoint, run_sql(engine, athena.aggregation_sql(TABLE, athena.Period(since))))
    result, done = athena.generate_from_athena("cloudtrail_db.trail", since=since, workgroup="primary",
                                               output_location="s3://athena-results/policy_tf/")
    assert done.rows > 0 and done.estimated_bytes is None
    assert_same(generate(str(logs), since=since, progress=False, workers=1), result)


def test_max_scanned_gb_refuses_when_athena_estimates_more(aws, fast):
    configure(aws.endpoint, _explain(3.2e9))
    with pytest.raises(athena.AthenaError,
                       match="estimates the query reads 3.200 GB, more than --max-scanned-gb 1.000 GB"):
        athena.generate_from_athena("cloudtrail_db.trail", since="2026-11-01", max_scanned_gb=1)


def test_dry_run_reports_the_estimate_and_runs_nothing_else(aws, fast):
    import boto3

    configure(aws.endpoint, _explain(4e8))
    result, done = athena.generate_from_athena("cloudtrail_db.trail", since="2026-11-01", dry_run=True)
    assert done.estimated_bytes == 400_000_000 and done.execution_id is None and result.templates == {}
    executions = boto3.client("athena", region_name="us-east-1").list_query_executions()["QueryExecutionIds"]
    assert len(executions) == 1  # the EXPLAIN only


def test_the_cli_writes_the_templates_from_athena(aws, engine, fast, tmp_path, capsys):
    from policy_tf.cli import main

    configure(aws.endpoint, _explain(1e6), run_sql(engine, athena.aggregation_sql(TABLE, athena.Period())))
    code = main(["generate-template", "--athena-table", "cloudtrail_db.trail", "--max-scanned-gb", "0.5",
                 "--output-dir", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "111122223333-role-service-orders-app.yml" in [p.name for p in (tmp_path / "out").iterdir()]
    assert "Athena" in err and "estimated 0.001 GB" in err


class _Executions:
    """A stand-in Athena client that reports the given execution states one poll after the other."""

    def __init__(self, *states: tuple[str, int, str]):
        self.states, self.stopped = list(states), []

    def get_query_execution(self, QueryExecutionId):
        state, scanned, reason = self.states.pop(0)
        return {"QueryExecution": {"Status": {"State": state, "StateChangeReason": reason},
                                   "Statistics": {"DataScannedInBytes": scanned}}}

    def stop_query_execution(self, QueryExecutionId):
        self.stopped.append(QueryExecutionId)


def test_a_query_scanning_past_the_limit_is_stopped():
    client = _Executions(("RUNNING", 10, ""), ("RUNNING", 2_000_000_000, ""))
    with pytest.raises(athena.AthenaError, match="scanned 2.000 GB, more than --max-scanned-gb 1.000 GB"):
        athena.wait(client, "q-1", athena.Query("db", max_scanned_bytes=1_000_000_000), sleep=lambda _: None)
    assert client.stopped == ["q-1"]


def test_a_failed_query_is_one_error_with_athena_s_reason():
    client = _Executions(("FAILED", 0, "TABLE_NOT_FOUND: line 18:6: Table 'db.trail' does not exist"))
    with pytest.raises(athena.AthenaError, match="FAILED: TABLE_NOT_FOUND"):
        athena.wait(client, "q-2", athena.Query("db"), sleep=lambda _: None)


def test_the_cli_refusal_is_one_clean_error_and_writes_nothing(aws, fast, tmp_path, capsys):
    from policy_tf.cli import main

    configure(aws.endpoint, _explain(7e10))
    code = main(["generate-template", "--athena-table", "cloudtrail_db.trail", "--since", "2026-11-01",
                 "--max-scanned-gb", "50", "--output-dir", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1 and not (tmp_path / "out").exists()
    assert [line for line in err.splitlines() if "error:" in line] == [
        "policy_tf: error: refusing to run: Athena estimates the query reads 70.000 GB, more than --max-scanned-gb "
        "50.000 GB; narrow --since/--until"]


def test_the_cli_dry_run_prints_the_sql(aws, fast, capsys):
    from policy_tf.cli import main

    configure(aws.endpoint, _explain(2e9))
    assert main(["generate-template", "--athena-table", "cloudtrail_db.trail", "--since", "2026-11-01", "--dry-run"]) \
        == 0
    out, err = capsys.readouterr()
    assert out.startswith("SELECT") and "\"timestamp\" >= '2026/11/01'" in out
    assert "dry run: Athena estimated 2.000 GB; nothing else ran" in err


@pytest.mark.parametrize("when", ["2026-11-01' OR '1'='1", "2026-11-01T00:00:00Z'; DROP TABLE t; --", "yesterday"])
def test_a_time_that_is_not_a_day_or_a_time_never_reaches_the_sql(when):
    table = athena.Table.parse("cloudtrail_db.trail")
    with pytest.raises(InputError, match="expected a day or a time"):
        athena.aggregation_sql(table, athena.Period(since=when))
    with pytest.raises(InputError, match="expected a day or a time"):
        athena.aggregation_sql(table, athena.Period(until=when))
