"""Specification of ARN parsing and of resolving an ARN to the ARN formats it matches."""
from __future__ import annotations

import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policy_tf.core.errors import InputError
from policy_tf.iamdb.arn import (
    PARTITIONS,
    Arn,
    ArnMatcher,
    format_service,
    parse_arn,
    shape,
)

# Real ARN formats from the Service Authorization Reference, written by hand.
# Keys are (service prefix, resource type), as the IAM database has them.
FORMATS = [
    (("s3", "bucket"), "arn:${Partition}:s3:::${BucketName}"),
    (("s3", "object"), "arn:${Partition}:s3:::${BucketName}/${ObjectName}"),
    (("s3", "accesspoint"), "arn:${Partition}:s3:${Region}:${Account}:accesspoint/${AccessPointName}"),
    (
        ("s3", "accesspointobject"),
        "arn:${Partition}:s3:${Region}:${Account}:accesspoint/${AccessPointName}/object/${ObjectName}",
    ),
    (
        ("s3", "multiregionaccesspoint"),
        "arn:${Partition}:s3::${Account}:accesspoint/${AccessPointAlias}",
    ),
    (("s3", "job"), "arn:${Partition}:s3:${Region}:${Account}:job/${JobId}"),
    (("lambda", "function"), "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}"),
    (
        ("lambda", "function alias"),
        "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}:${Alias}",
    ),
    (
        ("lambda", "function version"),
        "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}:${Version}",
    ),
    (("lambda", "layer"), "arn:${Partition}:lambda:${Region}:${Account}:layer:${LayerName}"),
    (
        ("lambda", "layerVersion"),
        "arn:${Partition}:lambda:${Region}:${Account}:layer:${LayerName}:${LayerVersion}",
    ),
    (("logs", "log-group"), "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}"),
    (
        ("logs", "log-stream"),
        "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}",
    ),
    (("logs", "destination"), "arn:${Partition}:logs:${Region}:${Account}:destination:${DestinationName}"),
    (
        ("ssm", "parameter"),
        "arn:${Partition}:ssm:${Region}:${Account}:parameter/${ParameterNameWithoutLeadingSlash}",
    ),
    (("ssm", "document"), "arn:${Partition}:ssm:${Region}:${Account}:document/${DocumentName}"),
    (("dynamodb", "table"), "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}"),
    (
        ("dynamodb", "index"),
        "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}/index/${IndexName}",
    ),
    (
        ("dynamodb", "stream"),
        "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}/stream/${StreamLabel}",
    ),
    (("dynamodb", "global-table"), "arn:${Partition}:dynamodb::${Account}:global-table/${GlobalTableName}"),
    (("kms", "key"), "arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}"),
    (("kms", "alias"), "arn:${Partition}:kms:${Region}:${Account}:alias/${Alias}"),
    (("iam", "role"), "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}"),
    (("iam", "user"), "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}"),
    (("iam", "assumed-role"), "arn:${Partition}:iam::${Account}:assumed-role/${RoleName}/${RoleSessionName}"),
    (("ec2", "instance"), "arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}"),
    (("ec2", "snapshot"), "arn:${Partition}:ec2:${Region}::snapshot/${SnapshotId}"),
    (("ebs", "snapshot"), "arn:${Partition}:ec2:${Region}::snapshot/${SnapshotId}"),
    (("sqs", "queue"), "arn:${Partition}:sqs:${Region}:${Account}:${QueueName}"),
    (("sns", "topic"), "arn:${Partition}:sns:${Region}:${Account}:${TopicName}"),
    (("secretsmanager", "Secret"), "arn:${Partition}:secretsmanager:${Region}:${Account}:secret:${SecretId}"),
    (("iot", "thing"), "arn:${Partition}:iot:${Region}:${Account}:thing/${ThingName}"),
    (("iot", "thinggroup"), "arn:${Partition}:iot:${Region}:${Account}:thinggroup/${ThingGroupName}"),
    (("iot", "dynamicthinggroup"), "arn:${Partition}:iot:${Region}:${Account}:thinggroup/${ThingGroupName}"),
    (
        ("organizations", "policy"),
        "arn:${Partition}:organizations::${Account}:policy/o-${OrganizationId}/${PolicyType}/p-${PolicyId}",
    ),
    (
        ("organizations", "awspolicy"),
        "arn:${Partition}:organizations::aws:policy/${PolicyType}/p-${PolicyId}",
    ),
    (
        ("organizations", "organizationalunit"),
        "arn:${Partition}:organizations::${Account}:ou/o-${OrganizationId}/ou-${OrganizationalUnitId}",
    ),
    (
        ("states", "statemachine"),
        "arn:${Partition}:states:${Region}:${Account}:stateMachine:${StateMachineName}",
    ),
    (
        ("states", "execution"),
        "arn:${Partition}:states:${Region}:${Account}:execution:${StateMachineName}:${ExecutionId}",
    ),
    (
        ("states", "labelledexecution"),
        "arn:${Partition}:states:${Region}:${Account}:execution:${StateMachineName}/${MapRunLabel}:${ExecutionId}",
    ),
    (
        ("backup", "framework"),
        "arn:${Partition}:backup:${Region}:${Account}:framework:${FrameworkName}-${FrameworkId}",
    ),
    (("rds", "db"), "arn:${Partition}:rds:${Region}:${Account}:db:${DbInstanceName}"),
    (("ecr", "repository"), "arn:${Partition}:ecr:${Region}:${Account}:repository/${RepositoryName}"),
]
MATCHER = ArnMatcher(FORMATS)

S3_BUCKET, S3_OBJECT = ("s3", "bucket"), ("s3", "object")
LAMBDA_ALIAS, LAMBDA_VERSION = ("lambda", "function alias"), ("lambda", "function version")


# --- parse_arn ------------------------------------------------------------------------


def test_parse_arn_splits_the_six_fields():
    arn = parse_arn("arn:aws:lambda:us-east-1:123456789012:function:f")
    assert arn == Arn(
        partition="aws",
        service="lambda",
        region="us-east-1",
        account="123456789012",
        resource="function:f",
        text="arn:aws:lambda:us-east-1:123456789012:function:f",
    )


@pytest.mark.parametrize(
    "text, resource",
    [
        ("arn:aws:logs:us-east-1:123456789012:log-group:/aws/x:log-stream:s", "log-group:/aws/x:log-stream:s"),
        ("arn:aws:s3:::bucket/dir/a:b.txt", "bucket/dir/a:b.txt"),
        ("arn:aws:iam::123456789012:role/path/to/name", "role/path/to/name"),
    ],
)
def test_parse_arn_keeps_colons_and_slashes_in_the_resource_part(text, resource):
    assert parse_arn(text).resource == resource


def test_parse_arn_strips_surrounding_whitespace():
    arn = parse_arn("  arn:aws:s3:::b\n")
    assert (arn.resource, arn.text) == ("b", "arn:aws:s3:::b")


@pytest.mark.parametrize("partition", sorted(PARTITIONS))
def test_parse_arn_accepts_every_known_partition(partition):
    assert parse_arn(f"arn:{partition}:s3:::b").partition == partition


@pytest.mark.parametrize(
    "text, complaint",
    [
        ("s3:::bucket", "starts with 'arn:'"),
        ("ARN:aws:s3:::bucket", "starts with 'arn:'"),
        ("arn:aws:s3:bucket", "expected 6"),
        ("arn:aws::us-east-1:123456789012:thing", "empty service"),
        ("arn:aws:s3:::", "empty resource"),
        ("arn:amazon:s3:::bucket", "unknown partition 'amazon'"),
        ("arn:*:s3:::bucket", "unknown partition '*'"),
        ("arn::s3:::bucket", "unknown partition ''"),
    ],
)
def test_parse_arn_rejects_malformed_arns_naming_the_value(text, complaint):
    with pytest.raises(InputError) as raised:
        parse_arn(text)
    assert complaint in str(raised.value)
    assert repr(text) in str(raised.value)


# --- format_service and shape -----------------------------------------------------------


@pytest.mark.parametrize(
    "arn_format, service",
    [
        ("arn:${Partition}:s3:::${BucketName}/${ObjectName}", "s3"),
        # the EBS page's snapshot lives in the ec2 service field
        ("arn:${Partition}:ec2:${Region}::snapshot/${SnapshotId}", "ec2"),
        ("arn:${Partition}:${Vendor}:${Region}:*:${ResourceType}:${RecoveryPointId}", "${Vendor}"),
    ],
)
def test_format_service_is_the_service_field_of_the_format(arn_format, service):
    assert format_service(arn_format) == service


def test_format_service_rejects_text_that_is_not_an_arn_format():
    with pytest.raises(ValueError):
        format_service("s3:${BucketName}")


@pytest.mark.parametrize(
    "first, second",
    [
        (
            "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}:${Alias}",
            "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}:${Version}",
        ),
        (
            "arn:${Partition}:iot:${Region}:${Account}:thinggroup/${ThingGroupName}",
            "arn:${Partition}:iot:${Region}:${Account}:thinggroup/${Name}",
        ),
    ],
)
def test_shape_ignores_variable_names(first, second):
    assert shape(first) == shape(second)


def test_shape_keeps_literal_text_and_variable_count():
    function = "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}"
    alias = "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}:${Alias}"
    assert shape(function) == "arn:${}:lambda:${}:${}:function:${}"
    assert shape(function) != shape(alias)


# --- ArnMatcher: the matching rule --------------------------------------------------------


@pytest.mark.parametrize(
    "arn, keys",
    [
        # S3: a bucket has no '/', an object has; access points need a region.
        ("arn:aws:s3:::my-bucket", [S3_BUCKET]),
        ("arn:aws:s3:::my-bucket/*", [S3_OBJECT]),
        ("arn:aws:s3:::my-bucket/a/b/c.txt", [S3_OBJECT]),
        ("arn:aws:s3:::my-bucket/a:b.txt", [S3_OBJECT]),
        ("arn:aws:s3:us-east-1:123456789012:accesspoint/ap1", [("s3", "accesspoint")]),
        ("arn:aws:s3:us-east-1:123456789012:accesspoint/ap1/object/k", [("s3", "accesspointobject")]),
        ("arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap", [("s3", "multiregionaccesspoint")]),
        # Lambda: an unqualified function is not an alias or version.
        ("arn:aws:lambda:us-east-1:123456789012:function:f", [("lambda", "function")]),
        ("arn:aws:lambda:us-east-1:123456789012:function:f:prod", [LAMBDA_ALIAS, LAMBDA_VERSION]),
        ("arn:aws:lambda:us-east-1:123456789012:layer:l:3", [("lambda", "layerVersion")]),
        # CloudWatch Logs: group names hold '/'; ':*' after a group is still the group.
        ("arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/x", [("logs", "log-group")]),
        ("arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/x:*", [("logs", "log-group")]),
        (
            "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/x:log-stream:s1",
            [("logs", "log-stream")],
        ),
        ("arn:aws:ssm:us-east-1:123456789012:parameter/app/db/password", [("ssm", "parameter")]),
        # DynamoDB: a table may be named "index"; stream labels hold ':'.
        ("arn:aws:dynamodb:us-east-1:123456789012:table/index", [("dynamodb", "table")]),
        ("arn:aws:dynamodb:us-east-1:123456789012:table/t/index/i", [("dynamodb", "index")]),
        (
            "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2024-01-01T00:00:00.000",
            [("dynamodb", "stream")],
        ),
        ("arn:aws:dynamodb::123456789012:global-table/g", [("dynamodb", "global-table")]),
        ("arn:aws:kms:us-east-1:123456789012:key/*", [("kms", "key")]),
        ("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", [("kms", "key")]),
        ("arn:aws:kms:us-east-1:123456789012:alias/aws/s3", [("kms", "alias")]),
        ("arn:aws:iam::123456789012:role/path/to/name", [("iam", "role")]),
        ("arn:aws:iam::123456789012:assumed-role/r/session", [("iam", "assumed-role")]),
        ("arn:aws:ec2:us-east-1:123456789012:instance/i-123", [("ec2", "instance")]),
        ("arn:aws:sqs:us-east-1:123456789012:q1", [("sqs", "queue")]),
        ("arn:aws:sns:us-east-1:123456789012:t1", [("sns", "topic")]),
        ("arn:aws:secretsmanager:us-east-1:123456789012:secret:name-AbCdEf", [("secretsmanager", "Secret")]),
        ("arn:aws:iot:us-east-1:123456789012:thinggroup/g", [("iot", "dynamicthinggroup"), ("iot", "thinggroup")]),
        (
            "arn:aws:organizations::123456789012:policy/o-a1b2c3d4e5/service_control_policy/p-abcd1234",
            [("organizations", "policy")],
        ),
        (
            "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
            [("organizations", "awspolicy")],
        ),
        ("arn:aws:states:us-east-1:123456789012:execution:sm:e1", [("states", "execution")]),
        ("arn:aws:states:us-east-1:123456789012:execution:sm/label:e1", [("states", "labelledexecution")]),
        ("arn:aws:backup:us-east-1:123456789012:framework:name-abc123", [("backup", "framework")]),
        ("arn:aws:ecr:us-east-1:123456789012:repository/team/app", [("ecr", "repository")]),
    ],
)
def test_match_keeps_the_formats_whose_literals_account_for_most_separators(arn, keys):
    assert MATCHER.match(arn) == keys


def test_match_indexes_formats_by_service_field_not_by_prefix():
    assert MATCHER.match("arn:aws:ec2:us-east-1::snapshot/snap-1") == [("ebs", "snapshot"), ("ec2", "snapshot")]


@pytest.mark.parametrize("partition", sorted(PARTITIONS))
def test_match_accepts_any_known_partition_for_the_partition_variable(partition):
    assert MATCHER.match(f"arn:{partition}:s3:::b") == [S3_BUCKET]


@pytest.mark.parametrize(
    "arn, keys",
    [
        ("arn:aws:s3:::*", [S3_BUCKET]),
        ("arn:aws:s3:::my-bucket*", [S3_BUCKET]),
        ("arn:aws:s3:::*/*", [S3_OBJECT]),
        ("arn:aws:s3:*:*:accesspoint/*", [("s3", "accesspoint")]),
        ("arn:aws:kms:*:*:key/*", [("kms", "key")]),
        ("arn:aws:dynamodb:us-east-?:*:table/*", [("dynamodb", "table")]),
        ("arn:aws:logs:*:*:log-group:*", [("logs", "log-group")]),
        ("arn:aws:logs:*:*:log-group:/aws/lambda/*:log-stream:*", [("logs", "log-stream")]),
        ("arn:aws:lambda:*:*:function:*", [("lambda", "function")]),
        ("arn:aws:lambda:*:*:function:*:*", [LAMBDA_ALIAS, LAMBDA_VERSION]),
        ("arn:aws:iam::*:role/*", [("iam", "role")]),
        ("arn:aws:organizations::*:ou/o-*/ou-*", [("organizations", "organizationalunit")]),
    ],
)
def test_user_wildcards_stand_in_for_variable_values(arn, keys):
    assert MATCHER.match(arn) == keys


@pytest.mark.parametrize(
    "arn, keys",
    [
        ("arn:aws:kms:us-east-1:123456789012:*", [("kms", "alias"), ("kms", "key")]),
        ("arn:aws:organizations::*:ou/*", [("organizations", "organizationalunit")]),
        ("arn:aws:states:us-east-1:123456789012:stateMachine*", [("states", "statemachine")]),
        ("arn:aws:states:us-east-1:123456789012:execution:*",
         [("states", "execution"), ("states", "labelledexecution")]),
    ],
)
def test_when_nothing_matches_strictly_a_wildcard_covers_literal_text_as_iam_reads_it(arn, keys):
    assert MATCHER.match(arn) == keys


def test_a_strict_match_wins_over_wildcard_coverage():
    # '*' alone is a bucket name; it is not read as also covering every object.
    assert MATCHER.match("arn:aws:s3:::*") == [("s3", "bucket")]


def test_a_covering_wildcard_still_respects_the_fixed_fields():
    assert MATCHER.match("arn:aws:kms:us-east-1::*") == []


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:s3:us-east-1::my-bucket",  # the bucket format has an empty region
        "arn:aws:iam:us-east-1:123456789012:role/r",
        "arn:aws:iam:::role/r",  # the role format needs an account
        "arn:aws:s3:*::my-bucket",  # a user '*' does not match an empty field either
        "arn:aws:lambda:us-east-1::function:f",
    ],
)
def test_match_requires_empty_fields_exactly_where_the_format_has_them(arn):
    assert MATCHER.match(arn) == []


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:logs:us-east-1:123456789012:Log-Group:x",
        "arn:aws:S3:::my-bucket",
        "arn:aws:iam::123456789012:Role/r",
    ],
)
def test_match_compares_literals_and_service_case_sensitively(arn):
    assert MATCHER.match(arn) == []


def test_match_returns_an_empty_list_for_an_unknown_service():
    assert MATCHER.match("arn:aws:nosuchservice:us-east-1:123456789012:thing/x") == []


def test_match_accepts_a_parsed_arn():
    assert MATCHER.match(parse_arn("arn:aws:s3:::b")) == [S3_BUCKET]


def test_match_raises_input_error_for_a_malformed_arn():
    with pytest.raises(InputError, match="unknown partition"):
        MATCHER.match("arn:amazon:s3:::b")


def test_match_returns_each_key_once_even_if_it_has_several_formats():
    matcher = ArnMatcher([("k", "arn:${Partition}:s3:::${A}"), ("k", "arn:${Partition}:s3:::${B}")])
    assert matcher.match("arn:aws:s3:::b") == ["k"]


def test_match_sorts_keys_of_mixed_types_deterministically():
    arn_format = "arn:${Partition}:s3:::${BucketName}"
    forward = ArnMatcher([(1, arn_format), ("a", arn_format), ((2, "b"), arn_format)])
    backward = ArnMatcher([((2, "b"), arn_format), ("a", arn_format), (1, arn_format)])
    assert forward.match("arn:aws:s3:::b") == backward.match("arn:aws:s3:::b")


# --- ArnMatcher: formats with unusual features (real ones) ---------------------------------


MARKETPLACE = ArnMatcher(
    [
        ("Entity", "arn:${Partition}:aws-marketplace:${Region}:${Account}:${Catalog}/${EntityType}/${ResourceId}"),
        ("ChangeSet", "arn:${Partition}:aws-marketplace:${Region}:${Account}:${Catalog}/ChangeSet/${ResourceId}"),
    ]
)
PROTON = ArnMatcher(
    [
        (
            "major-version",
            "arn:${Partition}:proton:${Region}:${Account}:service-template/${TemplateName}:${MajorVersionId}",
        ),
        (
            "minor-version",
            "arn:${Partition}:proton:${Region}:${Account}:service-template/${TemplateName}"
            ":${MajorVersionId}.${MinorVersionId}",
        ),
    ]
)


@pytest.mark.parametrize(
    "matcher, arn, keys",
    [
        (MARKETPLACE, "arn:aws:aws-marketplace:us-east-1:123456789012:AWSMarketplace/ChangeSet/c1", ["ChangeSet"]),
        (MARKETPLACE, "arn:aws:aws-marketplace:us-east-1:123456789012:AWSMarketplace/Offer/o1", ["Entity"]),
        (PROTON, "arn:aws:proton:us-east-1:123456789012:service-template/t:1.2", ["minor-version"]),
        (PROTON, "arn:aws:proton:us-east-1:123456789012:service-template/t:1", ["major-version"]),
    ],
)
def test_literal_text_beats_a_variable_in_the_same_place(matcher, arn, keys):
    assert matcher.match(arn) == keys


def test_a_literal_star_in_the_resource_of_a_format_acts_as_a_variable():
    image = "arn:${Partition}:imagebuilder:${Region}:${Account}:image/${ImageName}/${ImageVersion}"
    matcher = ArnMatcher([("image", image + "/${ImageBuildVersion}"), ("allImageBuildVersions", image + "/*")])
    arn = "arn:aws:imagebuilder:us-east-1:123456789012:image/i/1.0.0/1"
    assert matcher.match(arn) == ["allImageBuildVersions", "image"]


def test_a_literal_star_in_the_region_or_account_of_a_format_matches_even_an_empty_field():
    matcher = ArnMatcher([("device", "arn:${Partition}:braket:*:*:device/${DeviceType}/${Provider}/${DeviceId}")])
    assert matcher.match("arn:aws:braket:::device/quantum-simulator/amazon/sv1") == ["device"]


def test_a_variable_written_without_dollar_is_a_variable():
    # The OpsWorks CM page writes "{Date-and-Time-Stamp-of-Backup}".
    arn_format = "arn:${Partition}:opsworks-cm::${Account}:backup/${ServerName}-{Date-and-Time-Stamp-of-Backup}"
    matcher = ArnMatcher([("backup", arn_format)])
    assert matcher.match("arn:aws:opsworks-cm::123456789012:backup/server-2024-01-01T000000Z") == ["backup"]


@pytest.mark.parametrize(
    "arn, keys",
    [
        ("arn:aws:backup:us-east-1:123456789012:recovery-point:abc", ["recoveryPoint"]),
        ("arn:aws:rds:us-east-1:123456789012:snapshot:awsbackup:job-1", ["rds snapshot"]),
    ],
)
def test_a_format_with_a_variable_service_is_tried_only_when_nothing_else_matches(arn, keys):
    matcher = ArnMatcher(
        [
            ("recoveryPoint", "arn:${Partition}:${Vendor}:${Region}:*:${ResourceType}:${RecoveryPointId}"),
            ("backup vault", "arn:${Partition}:backup:${Region}:${Account}:backup-vault:${BackupVaultName}"),
            ("rds snapshot", "arn:${Partition}:rds:${Region}:${Account}:snapshot:${SnapshotName}"),
        ]
    )
    assert matcher.match(arn) == keys


# --- Properties over the real formats above ------------------------------------------------

_VARIABLE = re.compile(r"\$\{\w+\}")
_SAFE_VALUES = st.text(string.ascii_letters + string.digits + "-", min_size=1, max_size=12)
_FIELD_VALUES = [
    st.sampled_from(sorted(PARTITIONS)),
    st.just("unused"),  # the service field holds no variable
    st.sampled_from(["us-east-1", "eu-west-2", "ap-southeast-1", "cn-north-1", "us-gov-west-1"]),
    st.text(string.digits, min_size=12, max_size=12),
]
_SAME_SHAPE = {key: {k for k, f in FORMATS if shape(f) == shape(arn_format)} for key, arn_format in FORMATS}


def _arn_from(draw, arn_format: str, resource_values: st.SearchStrategy[str]) -> str:
    """An ARN made by replacing each variable of the format with a drawn value."""
    *fields, resource = arn_format.split(":", 5)
    filled = [
        _VARIABLE.sub(lambda _, values=values: draw(values), field) for field, values in zip(fields[1:], _FIELD_VALUES)
    ]
    return ":".join(["arn", *filled, _VARIABLE.sub(lambda _: draw(resource_values), resource)])


@pytest.mark.parametrize("key, arn_format", FORMATS, ids=[" ".join(key) for key, _ in FORMATS])
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_an_arn_built_from_a_format_matches_it_and_only_formats_of_its_shape(key, arn_format, data):
    arn = _arn_from(data.draw, arn_format, _SAFE_VALUES)
    found = MATCHER.match(arn)
    assert key in found
    assert set(found) <= _SAME_SHAPE[key]


@pytest.mark.parametrize("key, arn_format", FORMATS, ids=[" ".join(key) for key, _ in FORMATS])
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_wildcards_in_place_of_variable_values_still_match_the_format(key, arn_format, data):
    arn = _arn_from(data.draw, arn_format, _SAFE_VALUES | st.sampled_from(["*", "?", "a*", "*-b"]))
    assert key in MATCHER.match(arn)
