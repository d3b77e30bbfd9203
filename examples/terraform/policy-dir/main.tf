# One IAM managed policy per file that `policy_tf write-policy-dir` wrote, all attached
# to the worker's role. Run before terraform plan (see README.md):
#
#   policy_tf write-policy-dir --input-dir templates --output-dir policies

module "policies" {
  source = "../../../terraform/modules/policies-dir"

  policies_dir = coalesce(var.policies_dir, "${path.root}/policies")
  name_prefix  = var.name_prefix
  path         = "/order-worker/"
  tags         = { app = "order-worker" }
}

resource "aws_iam_role" "worker" {
  name = "order-worker"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "worker" {
  for_each = module.policies.arns

  role       = aws_iam_role.worker.name
  policy_arn = each.value
}
