# Permissions boundaries from real usage, for roles Terraform manages. policy_tf writes them
# before terraform plan (see README.md):
#
#   policy_tf boundary plan --days 90 --output plan.json --output-dir boundaries
#
# Changing a Terraform-managed role out of band (`boundary apply`) would show as drift on the
# next plan, so here Terraform creates the boundary policies and sets permissions_boundary.

locals {
  boundaries_dir = coalesce(var.boundaries_dir, "${path.root}/boundaries")

  # Entity name => boundary policy name, as `boundary plan --output-dir` wrote them.
  boundary_names = jsondecode(file("${local.boundaries_dir}/map.json"))
}

module "boundaries" {
  source = "../../../terraform/modules/policies-dir"

  policies_dir = "${local.boundaries_dir}/policies"
  path         = "/policy_tf/"
  description  = "Permissions boundary written by policy_tf boundary plan from IAM Access Advisor usage"
}

resource "aws_iam_role" "app" {
  name = var.role_name

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })

  permissions_boundary = module.boundaries.arns[local.boundary_names.roles[var.role_name]]
}
