"""The shipped code-operation-mappings.yml (policy_tf/sources/code/data/): every entry names what really
exists, and bad entries are clean errors."""
from __future__ import annotations

import pytest

from policy_tf.core.errors import InputError
from policy_tf.iamdb.catalog import catalog
from policy_tf.sources.code import sdk
from policy_tf.sources.code.mappings import load


def test_every_action_of_the_table_is_in_the_bundled_database():
    table = load()
    cat = catalog()
    named = [a.action for actions in table.operations.values() for a in actions]
    named += [a for entry in table.kms for a in entry.actions]
    missing = [a for a in named if not cat.expand(a)]
    assert missing == []


def test_every_operation_of_the_table_is_in_botocore_models():
    table = load()
    missing = []
    for service, operation in table.operations:
        model = sdk.service(service)
        if model is None or operation not in model.operations.values():
            missing.append(f"{service} {operation}")
    for (service, _obj, method), entry in table.helpers.items():
        model = sdk.service(service)
        missing += [f"{service} {op} (helper {method})" for op in entry["operations"]
                    if not op.startswith("{") and op not in model.operations.values()]
    for entry in table.kms:
        model = sdk.service(entry.service)
        missing += [f"{entry.service} {op} (kms)" for op in entry.operations if op not in model.operations.values()]
    assert missing == []


def test_every_helper_object_is_a_client_or_a_boto3_resource_type():
    table = load()
    for (service, obj, _method) in table.helpers:
        assert obj == "client" or obj in sdk.resource_model(service).resources, (service, obj)


def test_an_entry_without_a_source_is_an_error_naming_the_file_and_entry(tmp_path):
    bad = tmp_path / "mappings.yml"
    bad.write_text("operations:\n  - {service: s3, operation: X, actions: [s3:GetObject]}\n")
    with pytest.raises(InputError, match=r"mappings.yml: operations\[0\]: expected the keys"):
        load(bad)


@pytest.mark.parametrize("service", ["s3", "ec2", "dynamodb", "sqs", "stepfunctions", "lambda"])
def test_the_model_files_read_directly_agree_with_botocores_own_session(service):
    import botocore.session

    model = botocore.session.get_session().get_service_model(service)
    mine = sdk.service(service)
    assert set(mine.operations.values()) == set(model.operation_names)
    assert mine.signing_name == (model.metadata.get("signingName") or model.metadata["endpointPrefix"])


def test_an_operation_error_after_parameters_names_the_file_not_the_last_parameter_path(tmp_path):
    bad = tmp_path / "mappings.yml"
    bad.write_text("parameters:\n  Bucket:\n    from: [Bucket]\n    source: https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html\n"
                   "operations:\n- {service: s3, operation: GetObject, actions: [s3:GetObject]}\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"mappings.yml: operations\[0\]: expected the keys") as caught:
        load(bad)
    assert str(caught.value).startswith(str(bad))
