# `terraform test` of the policy module's own logic, with policy_tf's answer mocked
# (mock_provider: no policy_tf, no AWS).

mock_provider "external" {
  mock_data "external" {
    defaults = {
      result = {
        policy   = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"S3ReadObject\",\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::acme-reports/*\"}]}"
        size     = "120"
        sids     = "S3ReadObject"
        warnings = "first warning\nsecond warning"
      }
    }
  }
}

mock_provider "aws" {}

variables {
  name = "Reader"
  read = ["arn:aws:s3:::acme-reports/*"]
}

run "passes_policy_tf_answer_through" {
  command = plan

  assert {
    condition     = jsondecode(output.policy_json).Statement[0].Sid == "S3ReadObject"
    error_message = "policy_json is the policy policy_tf printed"
  }
  assert {
    condition     = jsonencode(output.warnings) == jsonencode(["first warning", "second warning"]) && jsonencode(output.sids) == jsonencode(["S3ReadObject"])
    error_message = "warnings are split by line and Sids by comma"
  }
  assert {
    condition     = length(aws_iam_policy.this) == 0
    error_message = "no IAM policy unless create_policy = true"
  }
}

run "creates_the_policy_when_asked" {
  command = plan

  variables {
    create_policy = true
    policy_path   = "/app/"
  }

  assert {
    condition     = length(aws_iam_policy.this) == 1 && aws_iam_policy.this[0].name == "Reader" && aws_iam_policy.this[0].path == "/app/"
    error_message = "create_policy = true creates one aws_iam_policy named after the template"
  }
}

run "sends_the_template_as_json" {
  command = plan

  assert {
    condition     = data.external.policy.query.template == jsonencode({ effect = "Allow", mode = "crud", name = "Reader", read = ["arn:aws:s3:::acme-reports/*"] })
    error_message = "the query holds the template built from the inputs"
  }
}
