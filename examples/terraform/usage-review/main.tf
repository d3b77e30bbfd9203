# The usage review in one account, plan only: every 90 days, tags and a boundary plan in S3.
# Build the package first: policy_tf usage-review package --output build/usage-review.zip
module "usage_review" {
  source = "../../../terraform/modules/usage-review"

  package_file       = "${path.root}/build/usage-review.zip"
  enforce            = var.enforce
  exceptions         = var.exceptions
  do_not_tag         = var.do_not_tag
  log_retention_days = 90
  tags               = { managed-by = "terraform", app = "policy_tf-usage-review" }
}
