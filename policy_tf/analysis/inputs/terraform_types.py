"""Which Terraform resource attributes hold a policy document, and what kind of policy each is.

Shared by the plan reader and the static ``.tf`` reader. Each entry: resource type ->
(attribute, policy kind); nested blocks are written ``block.policy`` (``inline_policy.policy``:
every ``inline_policy`` block's ``policy``). ``principal`` says which attribute names the
role/user/group whose permissions the policy adds to, for cross-policy checks.
"""
from __future__ import annotations

import re

from policy_tf.analysis.model import UNKNOWN_ACCOUNT

# resource type -> ((attribute path, kind), ...)
POLICY_ATTRIBUTES: dict = {
    # identity policies
    "aws_iam_policy": (("policy", "identity"),),
    "aws_iam_role_policy": (("policy", "identity"),),
    "aws_iam_user_policy": (("policy", "identity"),),
    "aws_iam_group_policy": (("policy", "identity"),),
    "aws_iam_role": (("assume_role_policy", "trust"), ("inline_policy.policy", "identity")),
    "aws_ssoadmin_permission_set_inline_policy": (("inline_policy", "identity"),),
    # session policies: they narrow what a role grants a session, read as identity policies
    "aws_transfer_user": (("policy", "identity"),),
    "aws_transfer_access": (("policy", "identity"),),
    "aws_rolesanywhere_profile": (("session_policy", "identity"),),
    "aws_organizations_policy": (("content", "scp"),),
    # resource policies
    "aws_s3_bucket_policy": (("policy", "resource"),),
    "aws_s3_bucket": (("policy", "resource"),),
    "aws_s3_access_point": (("policy", "resource"),),
    "aws_s3control_access_point_policy": (("policy", "resource"),),
    "aws_s3control_bucket_policy": (("policy", "resource"),),
    "aws_sqs_queue_policy": (("policy", "resource"),),
    "aws_sqs_queue": (("policy", "resource"),),
    "aws_sns_topic_policy": (("policy", "resource"),),
    "aws_sns_topic": (("policy", "resource"),),
    "aws_kms_key": (("policy", "resource"),),
    "aws_kms_key_policy": (("policy", "resource"),),
    "aws_secretsmanager_secret_policy": (("policy", "resource"),),
    "aws_secretsmanager_secret": (("policy", "resource"),),
    "aws_ecr_repository_policy": (("policy", "resource"),),
    "aws_ecr_registry_policy": (("policy", "resource"),),
    "aws_ecrpublic_repository_policy": (("policy", "resource"),),
    "aws_glacier_vault": (("access_policy", "resource"),),
    "aws_elasticsearch_domain": (("access_policies", "resource"),),
    "aws_elasticsearch_domain_policy": (("access_policies", "resource"),),
    "aws_opensearch_domain": (("access_policies", "resource"),),
    "aws_opensearch_domain_policy": (("access_policies", "resource"),),
    "aws_cloudwatch_log_resource_policy": (("policy_document", "resource"),),
    "aws_cloudwatch_log_destination_policy": (("access_policy", "resource"),),
    "aws_api_gateway_rest_api": (("policy", "resource"),),
    "aws_api_gateway_rest_api_policy": (("policy", "resource"),),
    "aws_backup_vault_policy": (("policy", "resource"),),
    "aws_efs_file_system_policy": (("policy", "resource"),),
    "aws_glue_resource_policy": (("policy", "resource"),),
    "aws_dynamodb_resource_policy": (("policy", "resource"),),
    "aws_kinesis_resource_policy": (("policy", "resource"),),
    "aws_cloudwatch_event_bus_policy": (("policy", "resource"),),
    "aws_codeartifact_domain_permissions_policy": (("policy_document", "resource"),),
    "aws_codeartifact_repository_permissions_policy": (("policy_document", "resource"),),
    "aws_vpc_endpoint": (("policy", "resource"),),
    "aws_media_store_container_policy": (("policy", "resource"),),
    "aws_networkfirewall_resource_policy": (("policy", "resource"),),
    "aws_schemas_registry_policy": (("policy", "resource"),),
    "aws_s3tables_table_bucket_policy": (("resource_policy", "resource"),),
    "aws_s3tables_table_policy": (("resource_policy", "resource"),),
    "aws_s3control_access_grants_instance_resource_policy": (("policy", "resource"),),
    "aws_s3control_multi_region_access_point_policy": (("details.policy", "resource"),),
    "aws_s3control_object_lambda_access_point_policy": (("policy", "resource"),),
    "aws_kms_replica_key": (("policy", "resource"),),
    "aws_kms_external_key": (("policy", "resource"),),
    "aws_kms_replica_external_key": (("policy", "resource"),),
    "aws_glacier_vault_lock": (("policy", "resource"),),
    "aws_acmpca_policy": (("policy", "resource"),),
    "aws_api_gateway_domain_name": (("policy", "resource"),),
    "aws_cloudsearch_domain_service_access_policy": (("access_policy", "resource"),),
    "aws_cloudwatch_log_delivery_destination_policy": (("delivery_destination_policy", "resource"),),
    "aws_codebuild_resource_policy": (("policy", "resource"),),
    "aws_ecr_repository_creation_template": (("repository_policy", "resource"),),
    "aws_msk_cluster_policy": (("policy", "resource"),),
    "aws_oam_sink_policy": (("policy", "resource"),),
    "aws_organizations_resource_policy": (("content", "resource"),),
    "aws_redshift_resource_policy": (("policy", "resource"),),
    "aws_redshiftserverless_resource_policy": (("policy", "resource"),),
    "aws_sagemaker_model_package_group_policy": (("resource_policy", "resource"),),
    "aws_ses_identity_policy": (("policy", "resource"),),
    "aws_sesv2_email_identity_policy": (("policy", "resource"),),
    "aws_vpc_endpoint_policy": (("policy", "resource"),),
    "aws_vpclattice_auth_policy": (("policy", "resource"),),
    "aws_vpclattice_resource_policy": (("policy", "resource"),),
    "aws_xray_resource_policy": (("policy_document", "resource"),),
}

# resource type -> attribute naming the principal whose permissions the policy adds to
PRINCIPAL_ATTRIBUTE = {
    "aws_iam_role_policy": ("role", "role"),
    "aws_iam_user_policy": ("user", "user"),
    "aws_iam_group_policy": ("group", "group"),
    "aws_iam_role": ("name", "role"),
}

# Principals and managed policies whose IAM name is their `name` argument (ARNs are matched by it).
IAM_NAMED = ("aws_iam_role", "aws_iam_user", "aws_iam_group", "aws_iam_policy")
# An AWS-managed policy, attached by its ARN (its document is AWS's, not in the configuration).
AWS_MANAGED_POLICY = re.compile(r"^arn:aws(?:-[a-z]+)*:iam::aws:policy/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)$")


def principal_arn(rtype: str, name: str, path: str = "/") -> str:
    """The ARN of an ``aws_iam_role`` / ``_user`` / ``_group`` / ``_policy`` by its IAM name and
    path, in the account Terraform applies to (``UNKNOWN_ACCOUNT``: known only then)."""
    return f"arn:aws:iam::{UNKNOWN_ACCOUNT}:{rtype[len('aws_iam_'):]}{path}{name}"


def reference_values(address: str, rtype: str, name: str, path: str | None = "/") -> dict:
    """What ``address.arn`` / ``.name`` / ``.id`` hold for a role, user, group or managed policy
    (``rtype``) of known IAM name (``.arn`` only when its path is known too): Terraform reference
    text -> value. A managed policy's ``id`` is its ARN; the others' their name."""
    out = {f"{address}.name": name}
    if path is not None:
        out[f"{address}.arn"] = principal_arn(rtype, name, path)
    if rtype != "aws_iam_policy":
        out[f"{address}.id"] = name
    elif path is not None:
        out[f"{address}.id"] = out[f"{address}.arn"]
    return out


# The policy document data source: its ``json`` is computed from statement blocks.
POLICY_DOCUMENT = "aws_iam_policy_document"
# Lambda permissions hold no document: one statement is built from their arguments.
LAMBDA_PERMISSION = "aws_lambda_permission"
# Attachments: resource type -> (principal attribute, principal kind, policy attribute).
ATTACHMENTS: dict[str, tuple[str | None, str | None, str]] = {
    "aws_iam_role_policy_attachment": ("role", "role", "policy_arn"),
    "aws_iam_user_policy_attachment": ("user", "user", "policy_arn"),
    "aws_iam_group_policy_attachment": ("group", "group", "policy_arn"),
    "aws_iam_policy_attachment": (None, None, "policy_arn"),
}


def lambda_permission_policy(values: dict) -> dict:
    """The resource-policy statement that an aws_lambda_permission adds to its function."""
    principal = values.get("principal") or ""
    who = "*" if principal == "*" else {"Service" if principal.endswith(".amazonaws.com") else "AWS": principal}
    function = str(values.get("function_name") or "")
    if not function.startswith("arn:"):
        function = f"arn:aws:lambda:*:*:function:{function}"
    if values.get("qualifier"):
        function += f":{values['qualifier']}"
    statement: dict = {"Effect": "Allow", "Principal": who, "Action": values.get("action") or "lambda:InvokeFunction",
                       "Resource": function}
    if values.get("statement_id"):
        statement = {"Sid": str(values["statement_id"]), **statement}
    condition: dict = {}
    if values.get("source_arn"):
        condition.setdefault("ArnLike", {})["AWS:SourceArn"] = values["source_arn"]
    if values.get("source_account"):
        condition.setdefault("StringEquals", {})["AWS:SourceAccount"] = values["source_account"]
    if values.get("principal_org_id"):
        condition.setdefault("StringEquals", {})["aws:PrincipalOrgID"] = values["principal_org_id"]
    if values.get("function_url_auth_type"):
        condition.setdefault("StringEquals", {})["lambda:FunctionUrlAuthType"] = values["function_url_auth_type"]
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def policy_document_from_blocks(args: dict) -> dict:
    """What aws_iam_policy_document's ``json`` holds, from its arguments (HCL blocks as lists of dicts)."""
    statements = []
    for block in args.get("statement") or []:
        statement: dict = {}
        if block.get("sid"):
            statement["Sid"] = block["sid"]
        statement["Effect"] = block.get("effect") or "Allow"
        for key, element in (("actions", "Action"), ("not_actions", "NotAction"),
                             ("resources", "Resource"), ("not_resources", "NotResource")):
            if block.get(key) is not None:
                values = sorted(block[key]) if isinstance(block[key], list) else block[key]
                statement[element] = values[0] if isinstance(values, list) and len(values) == 1 else values
        for key, element in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
            if block.get(key):
                principal: dict = {}
                anyone = False
                for p in block[key]:
                    ids = p.get("identifiers") or []
                    if p.get("type") == "*" and ids == ["*"]:
                        anyone = True
                        break
                    principal.setdefault(p.get("type"), []).extend(ids)
                statement[element] = "*" if anyone else {
                    k: (v[0] if len(v) == 1 else sorted(v)) for k, v in principal.items()}
        for cond in block.get("condition") or []:
            values = cond.get("values") or []
            statement.setdefault("Condition", {}).setdefault(cond.get("test"), {})[cond.get("variable")] = (
                values[0] if len(values) == 1 else values)
        statements.append(statement)
    document: dict = {"Version": args.get("version") or "2012-10-17"}
    if args.get("policy_id"):
        document["Id"] = args["policy_id"]
    document["Statement"] = statements
    return document
