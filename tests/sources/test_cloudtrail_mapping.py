"""The curated CloudTrail event mapping table, and the order in which events are resolved."""
from __future__ import annotations

import pytest

from policy_tf.core.errors import InputError
from policy_tf.iamdb.catalog import catalog
from policy_tf.sources.cloudtrail import mapping


@pytest.fixture(scope="module")
def table():
    return mapping.load()


def test_every_mapped_action_exists_in_the_database(table):
    cat = catalog()
    missing = [m.action for actions in table.events.values() for m in actions if not cat.expand(m.action)]
    assert missing == []


def test_every_event_source_maps_to_a_known_prefix(table):
    assert [p for p in table.prefixes.values() if p not in catalog().prefixes] == []


def test_every_entry_names_its_source(table):
    assert all(url.startswith("https://docs.aws.amazon.com/") for url in table.sources.values())


def test_an_entry_with_an_unknown_key_is_an_error_naming_it(tmp_path):
    path = tmp_path / "m.yml"
    path.write_text("events:\n  - {event-source: s3.amazonaws.com, event-name: X, actions: [s3:GetObject], "
                    "source: https://docs.aws.amazon.com/x, why: typo}\n")
    with pytest.raises(InputError, match=r"m.yml: events\[0\]: expected exactly the keys"):
        mapping.load(path)


def test_an_event_listed_twice_is_an_error(tmp_path):
    entry = "  - {event-source: s3.amazonaws.com, event-name: X, actions: [s3:GetObject], source: https://docs.aws.amazon.com/x}\n"
    path = tmp_path / "m.yml"
    path.write_text("events:\n" + entry + entry)
    with pytest.raises(InputError, match="listed twice"):
        mapping.load(path)


def mapper(table, operations=None):
    return mapping.EventMapper(catalog(), table, operations)


def test_the_mapping_table_comes_first(table):
    resolved = mapper(table).resolve("s3.amazonaws.com", "ListObjectsV2")
    assert (resolved.origin, [p.action for p in resolved.actions]) == ("mapping", ["s3:ListBucket"])


def test_an_event_source_host_that_is_not_the_prefix_is_translated(table):
    resolved = mapper(table).resolve("monitoring.amazonaws.com", "PutMetricData")
    assert [p.action for p in resolved.actions] == ["cloudwatch:PutMetricData"]


def test_the_operations_table_comes_before_the_same_name(table):
    def operations(service, name=None, db=None):
        return [{"service": service, "operation": "GetItem", "actions": ["dynamodb:GetItem", "dynamodb:Query"]}]

    resolved = mapper(table, operations).resolve("dynamodb.amazonaws.com", "GetItem")
    assert (resolved.origin, [p.action for p in resolved.actions]) == ("operations",
                                                                       ["dynamodb:GetItem", "dynamodb:Query"])


def test_a_database_without_operations_falls_back_to_the_same_name(table):
    resolved = mapper(table, lambda service, name=None, db=None: []).resolve("dynamodb.amazonaws.com", "GetItem")
    assert (resolved.origin, [p.action for p in resolved.actions]) == ("same name", ["dynamodb:GetItem"])


def test_api_version_suffixes_of_lambda_event_names_are_dropped(table):
    resolved = mapper(table).resolve("lambda.amazonaws.com", "GetFunction20150331v2")
    assert [p.action for p in resolved.actions] == ["lambda:GetFunction"]


def test_an_event_without_an_action_says_why(table):
    resolved = mapper(table).resolve("s3.amazonaws.com", "NoSuchCall")
    assert resolved.actions == () and resolved.reason == "no IAM action s3:NoSuchCall"


def test_a_mapped_action_missing_from_the_database_is_reported(tmp_path):
    path = tmp_path / "m.yml"
    path.write_text("events:\n  - {event-source: s3.amazonaws.com, event-name: X, actions: [s3:GetObject, "
                    "s3:NoSuchAction], "
                    "source: https://docs.aws.amazon.com/x}\n")
    resolved = mapper(mapping.load(path)).resolve("s3.amazonaws.com", "X")
    assert [p.action for p in resolved.actions] == ["s3:GetObject"]
    assert "s3:NoSuchAction" in resolved.reason
