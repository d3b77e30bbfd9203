output "function_name" {
  description = "Name of the Lambda function (invoke it with `{\"rollback\": \"s3://...journal.json\"}` to undo a run)."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the Lambda function."
  value       = aws_lambda_function.this.arn
}

output "role_name" {
  description = "Name of the execution role (the review never gives it a boundary: it is the runner)."
  value       = aws_iam_role.this.name
}

output "role_arn" {
  description = "ARN of the execution role."
  value       = aws_iam_role.this.arn
}

output "role_policies" {
  description = "The execution role's inline policies, as policy_tf wrote them from the module's templates (name => JSON)."
  value       = { for name, policy in aws_iam_role_policy.this : name => policy.policy }
}

output "bucket" {
  description = "The bucket holding configuration, plans, journals and summaries."
  value       = local.bucket
}

output "config_urls" {
  description = "s3:// URL of each configuration list the module wrote (by list name)."
  value       = { for name, object in aws_s3_object.list : name => "s3://${object.bucket}/${object.key}" }
}

output "runs_url" {
  description = "Where each run stores plan.json, summary.json and (with enforce) journal.json: `<runs_url><run id>/`."
  value       = "s3://${local.bucket}/${var.runs_prefix}"
}

output "log_group_name" {
  description = "The CloudWatch log group of the function (one JSON object per event)."
  value       = aws_cloudwatch_log_group.this.name
}

output "schedule_rule_arn" {
  description = "ARN of the EventBridge rule that starts the review."
  value       = aws_cloudwatch_event_rule.schedule.arn
}
