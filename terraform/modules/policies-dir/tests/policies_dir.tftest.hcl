# `terraform test` of the policies-dir module's own logic, with hashicorp/aws mocked.

mock_provider "aws" {}

run "one_policy_per_file_and_per_fit_element" {
  command = plan

  variables {
    policies_dir = "tests/policies"
    name_prefix  = "app-"
  }

  assert {
    condition     = jsonencode(sort(keys(aws_iam_policy.this))) == jsonencode(["reader", "split-1", "split-2"])
    error_message = "a file is one policy; a JSON list (write-policy-dir --fit) is one per element"
  }
  assert {
    condition     = aws_iam_policy.this["reader"].name == "app-reader" && aws_iam_policy.this["reader"].description == "Written by policy_tf from template reader"
    error_message = "names take the prefix; the description names the template"
  }
}
