# A Lambda function's execution role, with a least-privilege policy that policy_tf
# writes during `terraform plan` (module "policy", through data "external").

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
  log_group = "arn:${local.partition}:logs:${var.region}:${local.account}:log-group:/aws/lambda/${var.function_name}"
}

module "lambda_policy" {
  source = "../../../terraform/modules/policy"

  name        = "InvoiceImporterLambda"
  description = "Execution role of the ${var.function_name} Lambda function"

  # Get the invoice files, list the bucket.
  read = ["arn:${local.partition}:s3:::${var.bucket_name}/incoming/*"]
  list = ["arn:${local.partition}:s3:::${var.bucket_name}"]

  # Item writes to the table; log streams of the function's log group.
  write = [
    "arn:${local.partition}:dynamodb:${var.region}:${local.account}:table/${var.table_name}",
    "${local.log_group}:log-stream:*",
  ]

  # Write on a table or a log stream is much more than item writes: keep only
  # PutItem, UpdateItem, BatchWriteItem, DeleteItem, CreateLogStream and PutLogEvents.
  exclude_actions = [
    "s3:GetObjectTorrent",
    "s3:GetObjectVersionTorrent",
    "s3:GetObjectVersionForReplication",
    "dynamodb:*Table*",
    "dynamodb:*Global*",
    "dynamodb:*Backup*",
    "dynamodb:*Kinesis*",
    "dynamodb:*Replicat*",
    "dynamodb:UpdateContributorInsights",
    "dynamodb:UpdateTimeToLive",
    "dynamodb:PartiQL*",
    "logs:DeleteLogStream",
  ]

  # Every request over TLS.
  conditions = {
    all = { Bool = { "aws:SecureTransport" = ["true"] } }
  }

  policy_tf_command = var.policy_tf_command

  create_policy = true
  policy_path   = "/lambda/"
  tags          = { function = var.function_name }
}

resource "aws_iam_role" "lambda" {
  name = "${var.function_name}-lambda"
  path = "/lambda/"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "lambda" {
  role       = aws_iam_role.lambda.name
  policy_arn = module.lambda_policy.policy_arn
}
