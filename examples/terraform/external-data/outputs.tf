output "role_arn" {
  description = "ARN of the Lambda execution role."
  value       = aws_iam_role.lambda.arn
}

output "policy_arn" {
  description = "ARN of the IAM policy policy_tf wrote."
  value       = module.lambda_policy.policy_arn
}

output "policy_json" {
  description = "The policy document."
  value       = module.lambda_policy.policy_json
}

output "policy_size" {
  description = "Policy size in characters without whitespace (the managed policy limit is 6,144)."
  value       = module.lambda_policy.size
}

output "warnings" {
  description = "policy_tf's warnings about the template."
  value       = module.lambda_policy.warnings
}
