"""generate-template --cloudtrail s3://bucket/prefix, against moto's S3 on a local server."""
from __future__ import annotations

import pytest
from cloudtrail_events import CI_DEPLOY, FIXTURE_LOGS, ORDERS_APP

pytest.importorskip("moto.server")

pytestmark = [pytest.mark.aws, pytest.mark.slow]  # a local moto server

BUCKET = "org-trail"


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    import boto3

    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="test", aws_secret_access_key="test")
    s3.create_bucket(Bucket=BUCKET)
    for path in sorted(FIXTURE_LOGS.rglob("*.json.gz")):
        s3.upload_file(str(path), BUCKET, f"trail/{path.relative_to(FIXTURE_LOGS).as_posix()}")
    s3.put_object(Bucket=BUCKET, Key="trail/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/04/bad.json.gz",
                  Body=b"oops")
    s3.put_object(Bucket=BUCKET, Key="trail/AWSLogs/111122223333/CloudTrail-Digest/x.json", Body=b"{}")  # not logs
    yield endpoint
    server.stop()


@pytest.fixture
def run(cli_process, s3_endpoint):
    """``generate-template`` against the local S3 endpoint, with test credentials only."""
    env = {"AWS_ENDPOINT_URL": s3_endpoint, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/nonexistent",
           "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"}
    return lambda *argv: cli_process("generate-template", *argv, env=env)


def test_an_s3_prefix_gives_the_same_templates_as_the_local_folder(run, tmp_path):
    proc = run("--cloudtrail", f"s3://{BUCKET}/trail/AWSLogs/111122223333/CloudTrail/",
               "--output-dir", str(tmp_path / "s3"))
    local = run("--cloudtrail", str(FIXTURE_LOGS), "--output-dir", str(tmp_path / "local"))
    assert local.returncode == 0, local.stderr
    assert proc.returncode == 2  # the bad file
    assert f"s3://{BUCKET}/trail/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/04/bad.json.gz: " in proc.stderr
    for path in (tmp_path / "local").glob("*.yml"):
        s3_text = (tmp_path / "s3" / path.name).read_text()
        assert s3_text.replace(f"s3://{BUCKET}/trail/AWSLogs/111122223333/CloudTrail/", "X") == \
            path.read_text().replace(str(FIXTURE_LOGS), "X")


def test_since_skips_s3_files_delivered_before_it(run):
    proc = run("--cloudtrail", f"s3://{BUCKET}/trail/", "--since", "2026-11-05")
    assert proc.returncode == 0, proc.stderr
    assert "1 records in 1 file(s)" in proc.stderr and CI_DEPLOY in proc.stdout and ORDERS_APP not in proc.stdout


def test_a_missing_bucket_is_one_clear_error(run):
    proc = run("--cloudtrail", "s3://no-such-bucket/x")
    assert proc.returncode == 1 and "cannot list the log files" in proc.stderr and "Traceback" not in proc.stderr
