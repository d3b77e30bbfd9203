"""generate-template --cloudtrail against hostile logs and hostile places to write.

Root causes, one group each: log text reaching YAML as syntax (any field, any string: the
property test), look-alike names, ill-shaped records, huge and empty records, inputs that are
not regular files, and output folders that cannot take the templates.
"""
from __future__ import annotations

import copy
import errno
import gzip
import json
import os
import stat
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest
from cloudtrail_events import ACCOUNT, ROLE, analyzer_parts, event, write_log
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy_tf.core.errors import InputError
from policy_tf.core.safeload import load_yaml
from policy_tf.sources.cloudtrail import records as records_module
from policy_tf.sources.cloudtrail.evidence import EMPTY, Analyzer, Filters
from policy_tf.sources.cloudtrail.generate import generate, write_templates
from policy_tf.sources.cloudtrail.render import actions_template, crud_template
from policy_tf.writing.pipeline import write_policy

REPO = Path(__file__).resolve().parents[2]
BUCKET_OBJECT = "arn:aws:s3:::acme-data/reports/r.csv"


def base_records() -> list[dict]:
    """Calls at several access levels, a wildcard-only call and a denied call, by one role."""
    return [
        event("s3.amazonaws.com", "GetObject", requestParameters={"bucketName": "acme-data", "key": "reports/r.csv"},
              resources=[{"type": "AWS::S3::Object", "ARN": BUCKET_OBJECT}], readOnly=True,
              userAgent="aws-cli/2.15", sourceIPAddress="10.0.0.1", eventID="e-1", requestID="r-1",
              additionalEventData={"bytesTransferredOut": 42, "note": "x"}, responseElements=None),
        event("dynamodb.amazonaws.com", "PutItem", requestParameters={"tableName": "orders"}),
        event("s3.amazonaws.com", "ListBuckets", when="2026-11-02T11:00:00Z"),
        event("sqs.amazonaws.com", "SendMessage",
              requestParameters={"queueUrl": f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT}/jobs"}),
        event("s3.amazonaws.com", "PutObject", errorCode="AccessDenied", errorMessage="Access Denied",
              requestParameters={"bucketName": "acme-data", "key": "x"}),
    ]


def leaf_paths(value, path=()):
    """Paths of every string in the records (and of each container, to add a field there)."""
    if isinstance(value, dict):
        yield path + ("<new field>",)
        for key, item in value.items():
            yield from leaf_paths(item, path + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from leaf_paths(item, path + (i,))
    elif isinstance(value, str) or value is None:
        yield path


PATHS = list(leaf_paths(base_records()))
# Fields that say what was called, by whom, on what: changing them may change the grant
# (to what the text names, as data). Every other field may hold anything and changes nothing.
NAMING = {"eventSource", "eventName", "userIdentity", "requestParameters", "resources", "errorCode",
          "awsRegion", "recipientAccountId", "eventType"}


def put(records: list, path: tuple, text: str) -> list:
    records = copy.deepcopy(records)
    target = records
    for step in path[:-1]:
        target = target[step]
    target["hostile-field" if path[-1] == "<new field>" else path[-1]] = text
    return records


parts = analyzer_parts


def templates_of(records: list) -> dict:
    mapper, finder = parts()
    analyzer = Analyzer(mapper, finder, Filters())
    analyzer.add(records, "hostile.json")
    out = {}
    for principal, seen in analyzer.result().principals.items():
        for render in (crud_template, actions_template):
            text, data = render(seen, "hostile.json")
            if text:
                out[(principal, render.__name__)] = (text, data)
    return out


def policy_or_error(template: dict):
    try:
        return write_policy(template)
    except InputError as exc:
        return ("error", str(exc))


def resources(policy) -> set:
    if isinstance(policy, tuple):
        return set()
    found = set()
    for statement in policy["Statement"]:
        res = statement["Resource"]
        found.update([res] if isinstance(res, str) else res)
    return found


@lru_cache(maxsize=1)
def baseline() -> dict:
    return {key: policy_or_error(data) for key, (_text, data) in templates_of(base_records()).items()}


@lru_cache(maxsize=1)
def named() -> dict[str, set]:
    """Per mode, every resource the base records name: granted, or denied (an errorCode may be
    rewritten to one that passed authorization)."""
    calls = [{k: v for k, v in r.items() if k not in ("errorCode", "errorMessage")} for r in base_records()]
    found = {}
    for (_principal, mode), (_text, data) in templates_of(calls).items():
        found.setdefault(mode, set()).update(resources(policy_or_error(data)))
    return found


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), st.one_of(st.text(), st.sampled_from([
    "0\nwrite:\n  - 'arn:aws:s3:::*'\n#", "x\"\nmode: actions\nactions: ['*']\n#", "*", "arn:aws:s3:::*",
    "arn:aws:s3:::acme-data/${aws:username}", "\u212ams.amazonaws.com", "Get\u017fecretValue", "\x1b[2J", "\ud800",
    "'", "- - -", "{a: b}", "&x *x", "!!python/object:os.system", "\u2028write: [x]", "eu-west-1\nwrite: [x]",
])))
def test_any_string_in_any_field_stays_data_and_never_widens_the_grant(path, text):
    found = templates_of(put(base_records(), path, text))
    policies = {}
    for key, (yaml_text, data) in found.items():
        assert yaml_text.isascii()
        loaded = load_yaml(yaml_text, "template")  # as write-policy reads it
        assert loaded == data
        policies[key] = policy_or_error(loaded)
        assert policies[key] == policy_or_error(data)
    if path[1] not in NAMING:
        assert policies == baseline(), (path, text)
    else:  # what the text names may be granted, as data; nothing else is added
        for mode in ("crud_template", "actions_template"):
            now = set().union(*(resources(p) for (_, m), p in policies.items() if m == mode))
            before = named()[mode]
            assert all(text in r for r in now - before), (path, text, now - before)


@pytest.mark.parametrize("source,name", [
    ("\u212ams.amazonaws.com", "Decrypt"),           # KELVIN SIGN: lower() makes it "kms"
    ("kms.amazonaws.com", "Decr\u0443pt"),           # Cyrillic u
    ("secretsmanager.amazonaws.com", "Get\u017fecretValue"),  # long s
    ("s3.amazonaws.com", "GetObjec?"),                # a wildcard in a name
    ("s3.amazonaws.com", "Get*"),
    ("s3.amazonaws.com", "GetObject "),
    ("S3.AMAZONAWS.COM", "GetObject"),
])
def test_a_name_that_is_not_an_iam_name_is_reported_never_mapped(tmp_path, source, name):
    write_log(tmp_path / "a.json.gz", [event(source, name, resources=[{"ARN": BUCKET_OBJECT}])])
    result = generate(str(tmp_path), progress=False)
    assert result.templates == {}
    seen = result.evidence.principals[ROLE]
    assert not seen.granted and not seen.unresolved and not seen.denied
    (key,) = seen.unmapped
    assert key[:2] == (source, name)


def test_look_alike_names_are_escaped_on_stderr(tmp_path):
    write_log(tmp_path / "logs" / "a.json.gz", [event("\u212ams.amazonaws.com", "Decrypt\x1b[2J")])
    proc = run("generate-template", "--cloudtrail", str(tmp_path / "logs"), "--no-progress")
    assert proc.returncode == 1 and "\x1b" not in proc.stderr and "\\u212ams.amazonaws.com" in proc.stderr
    assert "non-ASCII" in proc.stderr


@pytest.mark.parametrize("field,value,problem", [
    ("userIdentity.sessionContext", "oops", "userIdentity.sessionContext is a string, expected an object"),
    ("userIdentity.sessionContext.sessionIssuer", [1], "userIdentity.sessionContext.sessionIssuer is a list"),
    ("userIdentity.sessionContext.sessionIssuer.arn", 5, "sessionIssuer.arn is a number"),
    ("userIdentity.arn", {"a": 1}, "userIdentity.arn is an object"),
    ("userIdentity.accountId", "12", "userIdentity.accountId is not a 12-digit account id"),
    ("userIdentity", "root", "userIdentity is a string"),
    ("resources", {"ARN": "x"}, "resources is an object, expected a list"),
    ("resources", ["arn:aws:s3:::b"], "resources[] is a string"),
    ("resources", [{"ARN": 7}], "resources[].ARN is a number"),
    ("requestParameters", "bucket", "requestParameters is a string"),
    ("readOnly", "true", "readOnly is a string, expected true or false"),
    ("eventTime", 1700000000, "eventTime is a number"),
    ("awsRegion", "eu-west-1\nwrite", "awsRegion is not a region name"),
    ("recipientAccountId", "1111*", "recipientAccountId is not a 12-digit account id"),
])
def test_an_ill_shaped_record_is_one_clean_error_and_the_others_are_still_read(tmp_path, field, value, problem):
    bad = event("s3.amazonaws.com", "ListBuckets")
    target, *path = field.split(".")
    holder = bad
    for step in [target, *path][:-1]:
        holder = holder[step]
    holder[field.split(".")[-1]] = value
    write_log(tmp_path / "logs" / "a.json.gz", [event("s3.amazonaws.com", "ListBuckets"), bad])
    proc = run("generate-template", "--cloudtrail", str(tmp_path / "logs"), "--output-dir", str(tmp_path / "out"),
               "--no-progress")
    assert proc.returncode == 2, proc.stderr
    assert_clean(proc)
    assert problem in proc.stderr and "a.json.gz, record 2" in proc.stderr
    assert len(list((tmp_path / "out").glob("*.yml"))) == 1


def test_empty_records_are_skipped_and_counted_in_a_streamed_file(tmp_path, monkeypatch):
    monkeypatch.setattr(records_module, "WHOLE_FROM_BYTES", 10)
    monkeypatch.setattr(records_module, "MAX_WHOLE_VALUES", 10)
    good = json.dumps(event("s3.amazonaws.com", "ListBuckets"))
    text = '{"Records": [' + "{}, " * 50_000 + good + ", {} ,{\n}," + good + ",{}]}"
    (tmp_path / "a.json.gz").write_bytes(gzip.compress(text.encode()))
    result = generate(str(tmp_path), workers=1, progress=False)
    assert result.bad_files == [] and result.evidence.records == 50_005
    assert result.evidence.skipped == {EMPTY: 50_003}
    assert result.evidence.principals[ROLE].events.count == 2


@pytest.mark.parametrize("tail,reason", [
    (", {},]}", "a ',' with no record after it"), ("] , 1}", "something follows the Records list"),
    (" ", "expected ',' or ']'"), (', {"a": ', "not valid JSON in record"),
])
def test_a_streamed_file_that_breaks_late_is_a_bad_file_and_none_of_its_records_count(tmp_path, monkeypatch,
                                                                                      tail, reason):
    monkeypatch.setattr(records_module, "WHOLE_FROM_BYTES", 10)
    monkeypatch.setattr(records_module, "MAX_WHOLE_VALUES", 10)
    good = json.dumps(event("s3.amazonaws.com", "ListBuckets"))
    body = good + ", " + good + tail
    (tmp_path / "a.json").write_text('{"Records": [' + body)
    write_log(tmp_path / "b.json.gz", [event("s3.amazonaws.com", "ListBuckets", when="2026-11-03T00:00:00Z")])
    result = generate(str(tmp_path), workers=1, progress=False)
    assert [Path(b.name).name for b in result.bad_files] == ["a.json"]
    assert reason in result.bad_files[0].reason
    assert result.evidence.principals[ROLE].events.count == 1 and result.evidence.records == 1


def test_one_record_larger_than_the_record_limit_is_refused_without_parsing_it(tmp_path, monkeypatch):
    monkeypatch.setattr(records_module, "WHOLE_FROM_BYTES", 10)
    monkeypatch.setattr(records_module, "MAX_WHOLE_VALUES", 10)
    monkeypatch.setattr(records_module, "MAX_RECORD_BYTES", 1 << 16)
    huge = '{"requestParameters": {"a": [' + "{}," * 200_000 + "{}]}}"
    (tmp_path / "a.json").write_text('{"Records": [' + huge + "]}")
    result = generate(str(tmp_path), workers=1, progress=False)
    assert [b.reason for b in result.bad_files] == ["record 1 is larger than 0 MiB; not a CloudTrail record"]


def test_a_file_of_many_values_is_streamed_not_parsed_whole(monkeypatch):
    monkeypatch.setattr(records_module, "WHOLE_FROM_BYTES", 10)
    monkeypatch.setattr(records_module, "MAX_WHOLE_VALUES", 10)
    assert isinstance(records_module.parse_records(b'{"Records": [{}, {}, {}, {}, {}, {}]}'),
                      records_module.RecordStream)
    monkeypatch.setattr(records_module, "MAX_WHOLE_VALUES", 1000)
    monkeypatch.setattr(records_module, "USE_FAST", False)
    assert records_module.parse_records(b'{"Records": [{}, {}, {}, {}, {}, {}]}') == [{}] * 6


def test_strict_utf8(tmp_path):
    (tmp_path / "a.json").write_bytes(b'{"Records": [{"eventName": "\xff"}]}')
    result = generate(str(tmp_path), progress=False)
    assert [b.reason for b in result.bad_files] == ["not UTF-8 JSON (invalid byte at offset 28)"]


def test_the_evidence_budget_reports_calls_it_cannot_keep(tmp_path, monkeypatch):
    from policy_tf.sources.cloudtrail import aggregate

    monkeypatch.setattr(aggregate, "MAX_KEYS", 3)
    write_log(tmp_path / "a.json.gz",
              [event("s3.amazonaws.com", "GetObject", resources=[{"ARN": f"arn:aws:s3:::b/{i}"}])
                                       for i in range(10)])
    result = generate(str(tmp_path), progress=False)
    assert result.evidence.over_budget == 7
    assert len(result.evidence.principals[ROLE].granted) == 3


# --- inputs that are not regular files ---------------------------------------------------------

def test_a_fifo_as_input_is_refused_without_hanging(tmp_path):
    os.mkfifo(tmp_path / "trail.json.gz")
    proc = run("generate-template", "--cloudtrail", str(tmp_path / "trail.json.gz"), "--no-progress", timeout=60)
    assert proc.returncode == 2 and "FIFO" in proc.stderr and "not a regular" in proc.stderr
    assert_clean(proc)


def test_a_fifo_inside_the_folder_is_a_bad_file_and_the_others_are_read(tmp_path):
    logs = tmp_path / "logs"
    write_log(logs / "a.json.gz", [event("s3.amazonaws.com", "ListBuckets")])
    os.mkfifo(logs / "b.json.gz")
    proc = run("generate-template", "--cloudtrail", str(logs), "--output-dir", str(tmp_path / "out"),
               "--no-progress", timeout=60)
    assert proc.returncode == 2 and "b.json.gz: is a" in proc.stderr and "FIFO" in proc.stderr
    assert_clean(proc)
    assert len(list((tmp_path / "out").glob("*.yml"))) == 1


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_as_input_is_refused(device):
    if not os.path.exists(device) or not stat.S_ISCHR(os.stat(device).st_mode):
        pytest.skip(f"no {device} device here")
    proc = run("generate-template", "--cloudtrail", device, "--no-progress", timeout=60)
    assert proc.returncode == 2 and "device" in proc.stderr and "not a regular" in proc.stderr
    assert_clean(proc)


# --- output folders that cannot take the templates ---------------------------------------------

@pytest.fixture(scope="module")
def logs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("logs")
    write_log(folder / "a.json.gz", [event("s3.amazonaws.com", "ListBuckets", role=f"r{i}") for i in range(5)])
    return folder


def test_output_under_a_file_is_one_clean_error(tmp_path, logs):
    (tmp_path / "file").write_text("x")
    proc = run("generate-template", "--cloudtrail", str(logs), "--output-dir", str(tmp_path / "file" / "out"),
               "--no-progress")
    assert proc.returncode == 2 and f"cannot write {tmp_path / 'file' / 'out'}" in proc.stderr
    assert_clean(proc)
    assert sorted(os.listdir(tmp_path)) == ["file"]


def test_output_on_a_device_is_refused_and_the_device_kept(tmp_path, logs):
    if not stat.S_ISCHR(os.stat("/dev/full").st_mode):
        pytest.skip("no /dev/full device here")
    proc = run("generate-template", "--cloudtrail", str(logs), "--output-dir", "/dev/full", "--no-progress")
    assert proc.returncode == 2 and "cannot write /dev/full: it is not a folder" in proc.stderr
    assert_clean(proc)
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_a_full_disk_leaves_no_template_and_no_temporary_file(tmp_path, logs):
    # A file size limit makes the kernel refuse writes as a full disk would.
    code = ("import resource, signal, sys\n"
            "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
            "resource.setrlimit(resource.RLIMIT_FSIZE, (600, 600))\n"
            "from policy_tf.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n")
    proc = subprocess.run([sys.executable, "-c", code, "generate-template", "--cloudtrail", str(logs),
                           "--output-dir", str(tmp_path / "out"), "--no-progress"],
                          capture_output=True, text=True, timeout=120, env=clean_env())
    assert proc.returncode == 2 and "File too large" in proc.stderr, proc.stderr
    assert_clean(proc)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("code", [errno.EROFS, errno.ENOSPC, errno.EACCES])
def test_a_failing_folder_leaves_every_file_or_none(tmp_path, monkeypatch, code):
    result = generate(str(Path(__file__).parents[1] / "fixtures" / "cloudtrail"), progress=False)
    assert len(result.templates) > 1
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("kept")
    real_replace, calls = os.replace, []

    def failing_replace(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:  # the second template: the first is already in place
            raise OSError(code, os.strerror(code))
        return real_replace(*args, **kwargs)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(InputError, match=os.strerror(code)):
        write_templates(result.templates, str(out))
    assert sorted(os.listdir(out)) == ["mine.txt"]


def test_a_symbolic_link_in_the_output_folder_is_never_written_through(tmp_path, logs):
    result = generate(str(logs), progress=False)
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere.yml"
    out.mkdir()
    name = sorted(os.path.basename(p) for p in write_templates(result.templates, str(tmp_path / "probe")))[0]
    os.symlink(elsewhere, out / name)
    with pytest.raises(InputError):
        write_templates(result.templates, str(out), force=True)
    assert not elsewhere.exists() and sorted(os.listdir(out)) == [name]


def test_stdout_on_a_full_disk_ends_cleanly(logs):
    import policy_tf.cli

    if not hasattr(policy_tf.cli, "_stdout_failed"):
        pytest.skip("standard output failures are ended cleanly by the CLI's run(), from branch i17-accounts")
    if not stat.S_ISCHR(os.stat("/dev/full").st_mode):
        pytest.skip("no /dev/full device here")
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "policy_tf", "generate-template", "--cloudtrail", str(logs),
                               "--no-progress"], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120,
                              env=clean_env())
    assert proc.returncode != 0
    assert_clean(proc)


# --- helpers -----------------------------------------------------------------------------------

def clean_env() -> dict:
    return {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "HOME": str(REPO)}


def run(*argv: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "policy_tf", *argv], capture_output=True, text=True,
                          env=clean_env(), timeout=timeout)


def assert_clean(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr, proc.stderr
