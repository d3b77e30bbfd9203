# `terraform test` of the template module's own logic (no provider, no policy_tf).

run "renders_a_minimal_template" {
  command = plan

  variables {
    name = "Minimal"
    read = ["arn:aws:s3:::acme-reports/*"]
  }

  assert {
    condition     = jsonencode(yamldecode(output.yaml)) == jsonencode({ effect = "Allow", mode = "crud", name = "Minimal", read = ["arn:aws:s3:::acme-reports/*"] })
    error_message = "the minimal template holds only mode, name, effect and read"
  }
  assert {
    condition     = startswith(output.yaml, "# policy_tf template rendered by Terraform")
    error_message = "the YAML starts with the header line save-template --delete looks for"
  }
  assert {
    condition     = output.file_name == "Minimal.yml" && output.output_file == null
    error_message = "file_name is <name>.yml; no output_file unless asked"
  }
}

run "maps_inputs_to_template_keys" {
  command = plan

  variables {
    name                         = "Keys"
    write                        = ["arn:aws:sqs:eu-west-1:123456789012:jobs"]
    wildcard_only_single_actions = ["ssm:DescribeParameters"]
    exclude_actions              = ["sqs:PurgeQueue"]
    sts_assume_role              = ["arn:aws:iam::123456789012:role/reporter"]
    include_dependent_actions    = "all"
  }

  assert {
    condition     = jsonencode(output.template["wildcard-only"]) == jsonencode({ "single-actions" = ["ssm:DescribeParameters"] })
    error_message = "wildcard_only_single_actions becomes wildcard-only.single-actions"
  }
  assert {
    condition     = jsonencode(output.template["exclude-actions"]) == jsonencode(["sqs:PurgeQueue"]) && jsonencode(output.template["sts"]) == jsonencode({ "assume-role" = ["arn:aws:iam::123456789012:role/reporter"] })
    error_message = "exclude_actions and sts_assume_role keep their values under the template's keys"
  }
  assert {
    condition     = output.json == jsonencode(output.template)
    error_message = "the json output is the same template"
  }
}

run "rejects_a_name_iam_refuses" {
  command = plan

  variables {
    name = "not a valid name!"
  }

  expect_failures = [var.name]
}
