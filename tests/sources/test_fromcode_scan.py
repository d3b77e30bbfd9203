"""generate-template --from-code: what the scan finds in Python code, and the grants it becomes."""
from __future__ import annotations

import textwrap

import pytest

from policy_tf.core.errors import InputError
from policy_tf.sources.code.generate import Options, generate, scan_file
from policy_tf.sources.code.mappings import load
from policy_tf.sources.code.scan import Helpers


def _write(tmp_path, source: str, name: str = "app.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def calls(tmp_path, source: str):
    """(service, operation, line) of every call found."""
    scanner = scan_file(str(_write(tmp_path, source)), Helpers(load().helpers), {})
    return [(c.service, c.operation, c.line) for c in scanner.calls]


def grants(tmp_path, source: str, **options) -> dict:
    """The template's named-actions (action -> ARNs) and single actions."""
    path = _write(tmp_path, source)
    result = generate([str(path)], Options(**options))
    assert not result.bad_files, result.bad_files
    data = result.data.get(str(path), {})
    out = dict(data.get("named-actions", {}))
    for action in data.get("wildcard-only", {}).get("single-actions", []):
        out[action] = ["*"]
    return out


def test_client_method_calls_are_found_with_their_operation(tmp_path):
    found = calls(tmp_path, """
        import boto3
        s3 = boto3.client("s3")
        s3.get_object(Bucket="b", Key="k")
    """)
    assert found == [("s3", "GetObject", 4)]


def test_aliases_of_boto3_and_of_its_functions_are_followed(tmp_path):
    found = calls(tmp_path, """
        import boto3 as aws
        from boto3 import client as make_client
        from boto3.session import Session
        aws.client("sqs").send_message(QueueUrl="q", MessageBody="m")
        make_client("sns").publish(TopicArn="t", Message="m")
        Session(region_name="eu-west-1").client("dynamodb").get_item(TableName="t", Key={})
    """)
    assert [c[:2] for c in found] == [("sqs", "SendMessage"), ("sns", "Publish"), ("dynamodb", "GetItem")]


def test_clients_kept_in_attributes_and_returned_by_helpers_are_followed(tmp_path):
    found = calls(tmp_path, """
        import boto3

        def make():
            return boto3.client("secretsmanager")

        class Store:
            def __init__(self):
                self.ssm = boto3.client("ssm")

            def read(self):
                return self.ssm.get_parameter(Name="/app/x")

        make().get_secret_value(SecretId="db")
    """)
    assert sorted(c[:2] for c in found) == [("secretsmanager", "GetSecretValue"), ("ssm", "GetParameter")]


def test_paginators_resolve_to_their_operation(tmp_path):
    found = calls(tmp_path, """
        import boto3
        paginator = boto3.client("s3").get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket="b"):
            pass
    """)
    assert found == [("s3", "ListObjectsV2", 4)]


def test_waiters_resolve_to_the_operation_they_poll(tmp_path):
    found = calls(tmp_path, """
        import boto3
        boto3.client("dynamodb").get_waiter("table_exists").wait(TableName="orders")
    """)
    assert found == [("dynamodb", "DescribeTable", 3)]


def test_resource_api_actions_collections_loads_and_waiters(tmp_path):
    found = calls(tmp_path, """
        import boto3
        db = boto3.resource("dynamodb")
        table = db.Table("orders")
        table.put_item(Item={"id": "1"})
        bucket = boto3.resource("s3").Bucket("data")
        for obj in bucket.objects.filter(Prefix="in/"):
            pass
        print(bucket.Object("k").content_length)
        table.wait_until_exists()
    """)
    assert [c[:2] for c in found] == [("dynamodb", "PutItem"), ("s3", "ListObjects"), ("s3", "HeadObject"),
                                      ("dynamodb", "DescribeTable")]


def test_resource_identifiers_become_the_request_parameters(tmp_path):
    assert grants(tmp_path, """
        import boto3
        boto3.resource("dynamodb").Table("orders").put_item(Item={})
    """, region="us-east-1", account="111122223333") == {
        "dynamodb:PutItem": ["arn:aws:dynamodb:us-east-1:111122223333:table/orders"]}


def test_transfers_expand_to_the_operations_they_call(tmp_path):
    found = calls(tmp_path, """
        import boto3
        boto3.client("s3").upload_file("/tmp/f", "b", "k")
    """)
    assert [c[1] for c in found] == ["PutObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload",
                                     "AbortMultipartUpload"]
    assert grants(tmp_path, """
        import boto3
        boto3.client("s3").download_file("b", "k", "/tmp/f")
    """) == {"s3:GetObject": ["arn:aws:s3:::b/k"]}


def test_managed_copy_reads_the_source_and_writes_the_destination(tmp_path):
    assert grants(tmp_path, """
        import boto3
        boto3.client("s3").copy({"Bucket": "src", "Key": "a"}, "dst", "b")
    """) == {
        "s3:AbortMultipartUpload": ["arn:aws:s3:::dst/b"],
        "s3:GetObject": ["arn:aws:s3:::src/a"],
        "s3:PutObject": ["arn:aws:s3:::dst/b"],
    }


def test_constants_f_strings_and_environment_defaults_are_folded(tmp_path):
    assert grants(tmp_path, """
        import os
        import boto3
        BUCKET = os.environ.get("BUCKET", "reports")
        PREFIX = "daily"
        KEY = f"{PREFIX}/" + "summary.csv"
        boto3.client("s3").put_object(Bucket=BUCKET, Key=KEY, Body=b"")
    """) == {"s3:PutObject": ["arn:aws:s3:::reports/daily/summary.csv"]}


def test_terraform_outputs_fill_environment_variables(tmp_path):
    path = _write(tmp_path, """
        import os
        import boto3
        boto3.client("sqs").send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody="m")
    """)
    result = generate([str(path)],
                      Options(environment={"queue_url": "https://sqs.eu-west-1.amazonaws.com/111122223333/jobs"}))
    assert result.data[str(path)]["named-actions"] == {"sqs:SendMessage": ["arn:aws:sqs:eu-west-1:111122223333:jobs"]}


def test_unresolvable_values_become_the_narrowest_wildcard_with_a_warning(tmp_path):
    path = _write(tmp_path, """
        import boto3
        def handler(event, context):
            boto3.client("s3").put_object(Bucket="uploads", Key=f"users/{event['id']}.json", Body=b"")
            boto3.client("dynamodb").get_item(TableName=event["table"], Key={})
    """)
    result = generate([str(path)], Options(region="us-east-1", account="111122223333"))
    data = result.data[str(path)]
    assert data["named-actions"] == {
        "dynamodb:GetItem": ["arn:aws:dynamodb:us-east-1:111122223333:table/*"],
        "s3:PutObject": ["arn:aws:s3:::uploads/users/*.json"],
    }
    text = result.templates[str(path)]
    assert f"{path}:4: s3:PutObject on arn:aws:s3:::uploads/users/*.json: its ObjectName is only partly known" in text
    assert f"{path}:5: dynamodb:GetItem on arn:aws:dynamodb:us-east-1:111122223333:table/*" in text


def test_queue_urls_topic_arns_secrets_parameters_and_state_machines_become_arns(tmp_path):
    assert grants(tmp_path, """
        import boto3
        boto3.client("sqs").receive_message(QueueUrl="https://sqs.us-west-2.amazonaws.com/111122223333/in")
        boto3.client("sns").publish(TopicArn="arn:aws:sns:us-west-2:111122223333:alerts", Message="m")
        boto3.client("secretsmanager").get_secret_value(SecretId="prod/db")
        boto3.client("ssm").get_parameter(Name="/app/flag")
        boto3.client("stepfunctions").start_execution(
            stateMachineArn="arn:aws:states:us-west-2:111122223333:stateMachine:flow")
    """, region="us-west-2", account="111122223333") == {
        "secretsmanager:GetSecretValue": ["arn:aws:secretsmanager:us-west-2:111122223333:secret:prod/db-??????"],
        "sns:Publish": ["arn:aws:sns:us-west-2:111122223333:alerts"],
        "sqs:ReceiveMessage": ["arn:aws:sqs:us-west-2:111122223333:in"],
        "ssm:GetParameter": ["arn:aws:ssm:us-west-2:111122223333:parameter/app/flag"],
        "states:StartExecution": ["arn:aws:states:us-west-2:111122223333:stateMachine:flow"],
    }


def test_multi_action_run_instances_with_a_profile_passes_its_role(tmp_path):
    found = grants(tmp_path, """
        import boto3
        boto3.client("ec2").run_instances(ImageId="ami-0abc", MinCount=1, MaxCount=1,
                                          IamInstanceProfile={"Name": "web"})
    """, region="us-east-1", account="111122223333")
    assert found["iam:PassRole"] == ["arn:aws:iam::111122223333:role/web"]
    assert "arn:aws:ec2:us-east-1::image/ami-0abc" in found["ec2:RunInstances"]


def test_run_instances_without_a_profile_passes_no_role(tmp_path):
    found = grants(tmp_path, """
        import boto3
        boto3.client("ec2").run_instances(ImageId="ami-0abc", MinCount=1, MaxCount=1)
    """)
    assert "iam:PassRole" not in found


def test_multi_action_lambda_create_function_passes_its_role(tmp_path):
    found = grants(tmp_path, """
        import boto3
        boto3.client("lambda").create_function(FunctionName="fn", Role="arn:aws:iam::111122223333:role/exec",
                                               Runtime="python3.12", Handler="h", Code={})
    """, region="us-east-1", account="111122223333")
    assert found["iam:PassRole"] == ["arn:aws:iam::111122223333:role/exec"]
    assert found["lambda:CreateFunction"] == ["arn:aws:lambda:us-east-1:111122223333:function:fn"]


def test_multi_action_copy_object_reads_the_source_and_writes_the_destination(tmp_path):
    assert grants(tmp_path, """
        import boto3
        boto3.client("s3").copy_object(CopySource="src/in.csv", Bucket="dst", Key="out.csv")
    """) == {"s3:GetObject": ["arn:aws:s3:::src/in.csv"], "s3:PutObject": ["arn:aws:s3:::dst/out.csv"]}


def test_kms_actions_only_when_the_code_names_a_key(tmp_path):
    plain = grants(tmp_path, """
        import boto3
        boto3.client("s3").get_object(Bucket="b", Key="k")
    """)
    assert not any(a.startswith("kms:") for a in plain)
    named = grants(tmp_path, """
        import boto3
        KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        boto3.client("s3").put_object(Bucket="b", Key="k", Body=b"", SSEKMSKeyId=KEY, ServerSideEncryption="aws:kms")
    """)
    assert named["kms:GenerateDataKey"] \
        == ["arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
    assumed = grants(tmp_path, """
        import boto3
        boto3.client("s3").get_object(Bucket="b", Key="k")
    """, assume_kms=True, region="us-east-1", account="111122223333")
    assert assumed["kms:Decrypt"] == ["arn:aws:kms:us-east-1:111122223333:key/*"]


def test_unknown_methods_are_reported_never_dropped(tmp_path):
    path = _write(tmp_path, """
        import boto3
        boto3.client("s3").get_object(Bucket="b", Key="k")
        boto3.client("s3").fetch_everything()
    """)
    result = generate([str(path)])
    assert result.unknown == 1
    assert f"{path}:4: s3 fetch_everything: not an API operation" in result.templates[str(path)]


def test_wildcard_only_actions_go_to_single_actions(tmp_path):
    assert grants(tmp_path, """
        import boto3
        boto3.client("sqs").list_queues()
    """) == {"sqs:ListQueues": ["*"]}


def test_a_syntax_error_is_a_clean_error_naming_file_and_line(tmp_path):
    path = _write(tmp_path, "import boto3\ndef broken(:\n")
    with pytest.raises(InputError, match=rf"{path}:2: not valid Python"):
        scan_file(str(path), Helpers({}), {})


def test_a_file_that_is_not_python_is_a_clean_error(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("boto3.client('s3')\n")
    result = generate([str(path)])
    assert result.bad_files == [f"{path}: not a Python source file (expected *.py, or a script whose first line "
                                "names python)"]


def test_a_script_without_extension_is_read_when_its_first_line_names_python(tmp_path):
    path = tmp_path / "tool"
    path.write_text("#!/usr/bin/env python3\nimport boto3\nboto3.client('sqs').list_queues()\n")
    assert generate([str(path)]).data[str(path)]["wildcard-only"] == {"single-actions": ["sqs:ListQueues"]}


def test_constants_and_clients_imported_from_the_programs_own_modules_are_followed(tmp_path):
    app = tmp_path / "app"
    (app / "lib").mkdir(parents=True)
    (app / "settings.py").write_text('import os\nBUCKET = os.environ.get("BUCKET", "shared")\nTABLE = "orders"\n')
    (app / "lib" / "__init__.py").write_text("")
    (app / "lib" / "clients.py").write_text('import boto3\ns3 = boto3.client("s3")\n'
                                            'def dynamo():\n    return boto3.resource("dynamodb")\n')
    (app / "main.py").write_text(textwrap.dedent("""
        from app.settings import BUCKET
        from . import settings
        from .lib.clients import s3, dynamo
        import app.lib.clients as c

        s3.get_object(Bucket=BUCKET, Key="a")
        c.s3.put_object(Bucket=settings.BUCKET, Key="b", Body=b"")
        dynamo().Table(settings.TABLE).get_item(Key={})
    """))
    result = generate([str(app)], Options(region="us-east-1", account="111122223333"))
    assert result.bad_files == []
    assert result.data[str(app)]["named-actions"] == {
        "dynamodb:GetItem": ["arn:aws:dynamodb:us-east-1:111122223333:table/orders"],
        "s3:GetObject": ["arn:aws:s3:::shared/a"],
        "s3:PutObject": ["arn:aws:s3:::shared/b"],
    }


def test_import_cycles_between_the_programs_modules_end(tmp_path):
    (tmp_path / "a.py").write_text('import b\nNAME = "t"\nimport boto3\nboto3.client("sqs").list_queues()\n')
    (tmp_path / "b.py").write_text("import a\n")
    assert generate([str(tmp_path)]).data[str(tmp_path)]["wildcard-only"] == {"single-actions": ["sqs:ListQueues"]}


def test_resources_returned_by_actions_and_listed_by_collections_are_followed(tmp_path):
    assert grants(tmp_path, """
        import boto3
        queue = boto3.resource("sqs").get_queue_by_name(QueueName="jobs")
        queue.send_message(MessageBody="x")
        for obj in boto3.resource("s3").Bucket("logs").objects.filter(Prefix="old/"):
            obj.delete()
    """, region="us-east-1", account="111122223333") == {
        "s3:DeleteObject": ["arn:aws:s3:::logs/old/*"],
        "s3:ListBucket": ["arn:aws:s3:::logs"],
        "sqs:GetQueueUrl": ["arn:aws:sqs:us-east-1:111122223333:jobs"],
        "sqs:SendMessage": ["arn:aws:sqs:us-east-1:111122223333:jobs"],
    }


def test_clients_typed_with_mypy_boto3_stubs_are_followed(tmp_path):
    assert grants(tmp_path, """
        from mypy_boto3_s3 import S3Client
        from mypy_boto3_dynamodb.service_resource import DynamoDBServiceResource

        def handler(s3: S3Client, db: "DynamoDBServiceResource"):
            s3.get_object(Bucket="typed", Key="k")
            db.Table("t").get_item(Key={})
    """, region="us-east-1", account="111122223333") == {
        "dynamodb:GetItem": ["arn:aws:dynamodb:us-east-1:111122223333:table/t"],
        "s3:GetObject": ["arn:aws:s3:::typed/k"],
    }


def test_a_name_assigned_in_branches_may_hold_either_value(tmp_path):
    assert grants(tmp_path, """
        import os
        import boto3
        BUCKET = "reports-dev"
        if os.environ.get("STAGE") == "prod":
            BUCKET = "reports-prod"
        KEY = "daily/"
        KEY += "summary.csv"
        boto3.client("s3").get_object(Bucket=BUCKET, Key=KEY)
    """) == {"s3:GetObject": ["arn:aws:s3:::reports-dev/daily/summary.csv",
                              "arn:aws:s3:::reports-prod/daily/summary.csv"]}


def test_when_a_branch_leaves_a_name_unknown_the_values_share_a_wildcard(tmp_path):
    assert grants(tmp_path, """
        import os
        import boto3
        BUCKET = "reports-dev"
        if os.environ.get("STAGE") == "prod":
            BUCKET = "reports-" + os.environ["SUFFIX"]
        boto3.client("s3").get_object(Bucket=BUCKET, Key="k")
    """) == {"s3:GetObject": ["arn:aws:s3:::reports-*/k"]}


def test_a_name_changed_in_a_loop_is_not_taken_for_its_first_value(tmp_path):
    assert grants(tmp_path, """
        import boto3
        def run(days):
            key = "start"
            for day in days:
                key = day
            boto3.client("s3").get_object(Bucket="b", Key=key)
    """) == {"s3:GetObject": ["arn:aws:s3:::b/*"]}


def test_functions_see_constants_defined_below_them_and_parameters_are_the_callers(tmp_path):
    assert grants(tmp_path, """
        import boto3

        def read(key, bucket="default-bucket"):
            boto3.client("s3").get_object(Bucket=BUCKET, Key="k")
            boto3.client("s3").get_object(Bucket=bucket, Key=key)

        BUCKET = "late-bucket"
    """) == {"s3:GetObject": ["arn:aws:s3:::*/*", "arn:aws:s3:::late-bucket/k"]}


def test_lists_of_names_become_one_arn_each(tmp_path):
    found = grants(tmp_path, """
        import boto3
        NAMES = [f"/app/p{i}" for i in range(3)]
        boto3.client("ssm").get_parameters(Names=["/app/a", "/app/b"])
    """, region="us-east-1", account="111122223333")
    assert found == {"ssm:GetParameters": ["arn:aws:ssm:us-east-1:111122223333:parameter/app/a",
                                           "arn:aws:ssm:us-east-1:111122223333:parameter/app/b"]}


def test_a_partly_known_arn_parameter_is_said_to_be_partly_known(tmp_path):
    path = _write(tmp_path, """
        import os, boto3
        boto3.client("sns").publish(TopicArn=f"arn:aws:sns:us-east-1:111122223333:{os.environ['TOPIC']}", Message="m")
    """)
    result = generate([str(path)])
    assert result.data[str(path)]["named-actions"] == {"sns:Publish": ["arn:aws:sns:us-east-1:111122223333:*"]}
    assert "the ARN is only partly known" in result.templates[str(path)]


def test_botocore_and_aiobotocore_sessions_are_followed(tmp_path):
    found = calls(tmp_path, """
        import botocore.session
        from aiobotocore.session import get_session

        botocore.session.get_session().create_client("sqs").list_queues()

        async def main():
            async with get_session().create_client("sns") as sns:
                await sns.publish(TopicArn="arn:aws:sns:us-east-1:111122223333:t", Message="m")
    """)
    assert [c[:2] for c in found] == [("sqs", "ListQueues"), ("sns", "Publish")]


def test_lambdas_walrus_class_attributes_and_client_defaults_are_read(tmp_path):
    found = calls(tmp_path, """
        import os
        import boto3

        class Clients:
            class Storage:
                s3 = boto3.client("s3")

        Clients.Storage.s3.list_buckets()
        refresh = lambda: boto3.client("dynamodb").list_tables()
        if (name := os.getenv("QUEUE", "jobs")):
            boto3.client("sqs").get_queue_url(QueueName=name)

        def purge(s3=boto3.client("s3")):
            s3.delete_object(Bucket="b", Key="k")
    """)
    assert [c[:2] for c in found] == [("s3", "ListBuckets"), ("dynamodb", "ListTables"), ("sqs", "GetQueueUrl"),
                                      ("s3", "DeleteObject")]


def test_a_loop_over_literal_names_grants_each_and_many_share_a_wildcard(tmp_path):
    assert grants(tmp_path, """
        import boto3
        for table in ("orders-dev", "orders-prod"):
            boto3.client("dynamodb").describe_table(TableName=table)
    """, region="us-east-1", account="111122223333") == {
        "dynamodb:DescribeTable": ["arn:aws:dynamodb:us-east-1:111122223333:table/orders-dev",
                                   "arn:aws:dynamodb:us-east-1:111122223333:table/orders-prod"]}
    assert grants(tmp_path, """
        import boto3
        for table in ("orders-1", "orders-2", "orders-3", "orders-4", "orders-5", "orders-6", "orders-7", "orders-8",
                      "orders-9"):
            boto3.client("dynamodb").describe_table(TableName=table)
    """, region="us-east-1", account="111122223333") == {
        "dynamodb:DescribeTable": ["arn:aws:dynamodb:us-east-1:111122223333:table/orders-*"]}
