data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.name
  # Known at plan time (not the bucket resource's id), so that the role's policies show in the plan.
  bucket    = var.create_bucket ? coalesce(var.bucket_name, lower("${replace(var.name, "_", "-")}-${local.account}-${local.region}")) : var.bucket_name
  log_group = "/aws/lambda/${var.name}"

  # The lists, one object each under config_prefix; an empty list is left out (defaults apply).
  lists = { for name, items in {
    exceptions   = var.exceptions
    do-not-tag   = var.do_not_tag
    base-actions = var.base_actions
    always-keep  = var.always_keep
  } : name => items if length(items) > 0 }

  # The execution role's templates (templates/<key>.yml.tftpl) and their policy names.
  role_templates = { review = "UsageReview", enforce = "UsageReviewEnforce", attach = "UsageReviewAttach" }

  # What the execution role's templates scope to.
  arns = {
    roles          = "arn:${local.partition}:iam::${local.account}:role/*"
    users          = "arn:${local.partition}:iam::${local.account}:user/*"
    boundaries     = "arn:${local.partition}:iam::${local.account}:policy/policy_tf/policy_tf-boundary-*"
    config_objects = "arn:${local.partition}:s3:::${local.bucket}/${var.config_prefix}*"
    run_objects    = "arn:${local.partition}:s3:::${local.bucket}/${var.runs_prefix}*"
    log_streams    = "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:${local.log_group}:log-stream:*"
  }
}

# --- configuration, plans and journals ---------------------------------------------------------

resource "aws_s3_bucket" "this" {
  count = var.create_bucket ? 1 : 0

  bucket        = local.bucket
  force_destroy = var.bucket_force_destroy
  tags          = var.tags

  lifecycle {
    # The default name is derived from var.name, the account and the region: say so at plan, not as an S3 error at apply.
    precondition {
      condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", local.bucket))
      error_message = "The bucket name \"${local.bucket}\" is not a valid S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit): set bucket_name, or a shorter name."
    }
  }
}

resource "aws_s3_bucket_versioning" "this" {
  count = var.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.this[0].id
  versioning_configuration {
    status = "Enabled" # a rollback can always find its journal
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  count = var.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.this[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  count = var.create_bucket ? 1 : 0

  bucket                  = aws_s3_bucket.this[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_object" "list" {
  for_each = local.lists

  bucket       = local.bucket
  key          = "${var.config_prefix}${each.key}.txt"
  content      = "${join("\n", each.value)}\n"
  content_type = "text/plain; charset=utf-8"
  tags         = var.tags

  depends_on = [aws_s3_bucket_versioning.this]
}

# --- logs ----------------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

# --- execution role: its policies written by policy_tf from the module's templates ---------------

# review: always; enforce and attach: only with enforce = true (see templates/).
module "role_policy" {
  source   = "../policy"
  for_each = local.role_templates

  name                  = "${var.name}-${each.key}"
  template_yaml         = templatefile("${path.module}/templates/${each.key}.yml.tftpl", merge(local.arns, { name = each.value, tag = var.tag_entities }))
  policy_tf_command     = var.policy_tf_command
  policy_tf_working_dir = var.policy_tf_working_dir
}

resource "aws_iam_role" "this" {
  name                 = var.name
  path                 = var.role_path
  permissions_boundary = var.role_permissions_boundary
  tags                 = var.tags
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account } }
    }]
  })
}

resource "aws_iam_role_policy" "this" {
  for_each = var.enforce ? local.role_templates : { review = local.role_templates.review }

  name   = each.key
  role   = aws_iam_role.this.id
  policy = module.role_policy[each.key].policy_json
}

# --- the function and its schedule ---------------------------------------------------------------

resource "aws_lambda_function" "this" {
  function_name    = var.name
  description      = "policy_tf usage review: Access Advisor, tags, boundary plan${var.enforce ? " and apply" : " (plan only)"}"
  role             = aws_iam_role.this.arn
  filename         = var.package_file
  source_code_hash = filebase64sha256(var.package_file)
  handler          = "policy_tf.aws.review_lambda.handler"
  runtime          = var.runtime
  architectures    = [var.architecture]
  timeout          = var.timeout
  memory_size      = var.memory_size
  tags             = var.tags

  environment {
    variables = {
      POLICY_TF_BUCKET             = local.bucket
      POLICY_TF_PREFIX             = var.runs_prefix
      POLICY_TF_ENFORCE            = tostring(var.enforce)
      POLICY_TF_TAG                = tostring(var.tag_entities)
      POLICY_TF_DAYS               = tostring(var.days)
      POLICY_TF_MIN_AGE_DAYS       = var.min_age_days == null ? "" : tostring(var.min_age_days)
      POLICY_TF_MAX_DATA_AGE_HOURS = tostring(var.max_data_age_hours)
      POLICY_TF_LOG_FORMAT         = "json"
      POLICY_TF_HOME               = "/tmp/policy_tf" # no database of its own there: the bundled one
      POLICY_TF_EXCEPTIONS         = contains(keys(local.lists), "exceptions") ? "s3://${local.bucket}/${var.config_prefix}exceptions.txt" : ""
      POLICY_TF_DO_NOT_TAG         = contains(keys(local.lists), "do-not-tag") ? "s3://${local.bucket}/${var.config_prefix}do-not-tag.txt" : ""
      POLICY_TF_BASE_ACTIONS       = contains(keys(local.lists), "base-actions") ? "s3://${local.bucket}/${var.config_prefix}base-actions.txt" : ""
      POLICY_TF_ALWAYS_KEEP        = contains(keys(local.lists), "always-keep") ? "s3://${local.bucket}/${var.config_prefix}always-keep.txt" : ""
    }
  }

  depends_on = [aws_cloudwatch_log_group.this, aws_iam_role_policy.this, aws_s3_object.list]

  lifecycle {
    precondition {
      condition     = var.create_bucket || var.bucket_name != null
      error_message = "With create_bucket = false, set bucket_name to the (versioned) bucket to use."
    }
  }
}

resource "aws_cloudwatch_event_rule" "schedule" {
  name                = var.name
  description         = "Runs the policy_tf usage review"
  schedule_expression = var.schedule_expression
  state               = var.schedule_enabled ? "ENABLED" : "DISABLED"
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "schedule" {
  rule = aws_cloudwatch_event_rule.schedule.name
  arn  = aws_lambda_function.this.arn
}

resource "aws_lambda_permission" "schedule" {
  statement_id  = "AllowEventBridgeSchedule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.schedule.arn
}
